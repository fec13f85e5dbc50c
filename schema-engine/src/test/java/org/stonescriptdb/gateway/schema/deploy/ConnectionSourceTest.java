package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Connections opened at the URL a function gives each database (the gateway's, with its TLS parameters): each lands in
 * the database asked for — never another tenant's — with the URL's parameters, and a database that does not exist is
 * refused, not replaced by another.
 */
class ConnectionSourceTest {

    private static String[] whereAndHow(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_database(), current_setting('application_name')")) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }

    @Test
    void eachDatabaseIsOpenedAtItsOwnUrlWithTheUrlsParameters() throws Exception {
        String a = TestPostgres.newDatabase("cs_a");
        String b = TestPostgres.newDatabase("cs_b");
        ConnectionSource source = ConnectionSource.jdbc(
                db -> "jdbc:postgresql://" + TestPostgres.HOST + ":" + TestPostgres.port() + "/" + db + "?sslmode=disable&ApplicationName=via-" + db,
                TestPostgres.SUPERUSER, null);
        try (Connection ca = source.open(a); Connection cb = source.open(b)) {
            assertThat(whereAndHow(ca)).containsExactly(a, "via-" + a);
            assertThat(whereAndHow(cb)).containsExactly(b, "via-" + b);
        }
        assertThatThrownBy(() -> source.open("cs_missing_tenant").close())
                .isInstanceOf(SQLException.class).hasMessageContaining("cs_missing_tenant");
    }

    @Test
    void theHostAndPortFormStillOpensTheDatabaseAskedFor() throws Exception {
        String a = TestPostgres.newDatabase("cs_plain");
        try (Connection c = ConnectionSource.jdbc(TestPostgres.HOST, TestPostgres.port(), TestPostgres.SUPERUSER, null).open(a)) {
            assertThat(whereAndHow(c)[0]).isEqualTo(a);
        }
    }
}
