package org.stonescriptdb.gateway.schema.diff;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TypeChangeClassifierTest {

    @ParameterizedTest(name = "{0} -> {1} is {2}")
    @CsvSource(delimiter = '|', textBlock = """
            integer                     | bigint                      | SAFE
            smallint                    | integer                     | SAFE
            character varying(50)       | character varying(100)      | SAFE
            character varying(50)       | text                        | SAFE
            character varying(50)       | character varying           | SAFE
            numeric(10,2)               | numeric(12,2)               | SAFE
            numeric(10,2)               | numeric(12,4)               | SAFE
            numeric(10,2)               | numeric                     | SAFE
            integer                     | numeric(12,0)               | SAFE
            real                        | double precision            | SAFE
            timestamp without time zone | timestamp with time zone    | SAFE
            bigint                      | integer                     | DATALOSS
            integer                     | smallint                    | DATALOSS
            character varying(100)      | character varying(50)       | DATALOSS
            text                        | character varying(50)       | DATALOSS
            numeric(12,2)               | numeric(10,2)               | DATALOSS
            numeric(10,2)               | numeric(10,4)               | DATALOSS
            numeric                     | numeric(10,2)               | DATALOSS
            numeric(10,2)               | integer                     | DATALOSS
            double precision            | real                        | DATALOSS
            timestamp with time zone    | date                        | DATALOSS
            numeric(10,2)               | boolean                     | INCOMPATIBLE
            integer                     | text                        | INCOMPATIBLE
            text                        | integer                     | INCOMPATIBLE
            integer                     | integer[]                   | INCOMPATIBLE
            appointment_status          | text                        | INCOMPATIBLE
            """)
    void classifies(String from, String to, ChangeClass expected) {
        assertThat(TypeChangeClassifier.classify(from, to)).isEqualTo(expected);
    }
}
