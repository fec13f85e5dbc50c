package org.stonescriptdb.gateway.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's control database exists on the backend but is never reachable through the proxy. */
@Timeout(60)
class ControlDatabaseNotRoutedTest {

    @Test
    void connectingToTheControlDatabaseIsRefusedAsUnknown() throws Exception {
        TestPostgres.createDatabase("stonescriptdb_gateway");
        try (GatewayHarness gateway = GatewayHarness.start()) {
            gateway.proxy().databaseCreated("stonescriptdb_gateway");
            SQLException e = catchThrowableOfType(SQLException.class, () -> gateway.connect("stonescriptdb_gateway").close());
            assertThat((Throwable) e).isNotNull();
            assertThat(e.getSQLState()).isEqualTo("3D000");
            assertThat(gateway.proxy().registry().snapshot()).doesNotContain("stonescriptdb_gateway");
        }
    }
}
