package org.stonescriptdb.gateway.schema.sql;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TypeNamesTest {

    @Test
    void aliasesMatchFormatType() {
        assertThat(TypeNames.canonical("int")).isEqualTo("integer");
        assertThat(TypeNames.canonical("INT4")).isEqualTo("integer");
        assertThat(TypeNames.canonical("serial")).isEqualTo("integer");
        assertThat(TypeNames.canonical("bigserial")).isEqualTo("bigint");
        assertThat(TypeNames.canonical("int2")).isEqualTo("smallint");
        assertThat(TypeNames.canonical("VARCHAR( 120 )")).isEqualTo("character varying(120)");
        assertThat(TypeNames.canonical("varchar")).isEqualTo("character varying");
        assertThat(TypeNames.canonical("char(2)")).isEqualTo("character(2)");
        assertThat(TypeNames.canonical("char")).isEqualTo("character(1)");
        assertThat(TypeNames.canonical("decimal(10, 2)")).isEqualTo("numeric(10,2)");
        assertThat(TypeNames.canonical("timestamptz")).isEqualTo("timestamp with time zone");
        assertThat(TypeNames.canonical("TIMESTAMP")).isEqualTo("timestamp without time zone");
        assertThat(TypeNames.canonical("timestamp(3) with time zone")).isEqualTo("timestamp(3) with time zone");
        assertThat(TypeNames.canonical("float8")).isEqualTo("double precision");
        assertThat(TypeNames.canonical("bool")).isEqualTo("boolean");
        assertThat(TypeNames.canonical("text[]")).isEqualTo("text[]");
        assertThat(TypeNames.canonical("int [ ]")).isEqualTo("integer[]");
        assertThat(TypeNames.canonical("public.email_address")).isEqualTo("email_address");
        assertThat(TypeNames.canonical("int[3][]")).isEqualTo("integer[]");
        assertThat(TypeNames.canonical("varchar(20)[]")).isEqualTo("character varying(20)[]");
        assertThat(TypeNames.canonical("numeric(6)")).isEqualTo("numeric(6,0)");
        assertThat(TypeNames.canonical("timestamptz(3)")).isEqualTo("timestamp(3) with time zone");
    }

    @Test
    void routineArgumentsDropModifiers() {
        assertThat(TypeNames.canonical("varchar(10)", false)).isEqualTo("character varying");
        assertThat(TypeNames.canonical("numeric(12,2)", false)).isEqualTo("numeric");
    }
}
