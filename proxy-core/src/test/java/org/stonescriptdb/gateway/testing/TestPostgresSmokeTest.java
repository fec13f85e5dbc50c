package org.stonescriptdb.gateway.testing;

import org.stonescriptdb.gateway.testsupport.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The test backend itself: if this fails, every proxy test fails for a reason that is not the proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestPostgresSmokeTest {

    @Test
    void embeddedPostgres17StartsAndCreatesDatabases() throws Exception {
        TestPostgres.createDatabase("smoke_main");
        TestPostgres.createDatabase("smoke_main"); // idempotent
        try (Connection c = TestPostgres.direct("smoke_main"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select current_database(), current_setting('server_version_num')::int")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("smoke_main");
            assertThat(rs.getInt(2)).isGreaterThanOrEqualTo(170000);
        }
        assertThat(TestBackend.target().port()).isEqualTo(TestPostgres.port());
    }
}
