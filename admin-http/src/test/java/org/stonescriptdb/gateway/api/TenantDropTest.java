package org.stonescriptdb.gateway.api;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Dropping a tenant over HTTP ends its wire-protocol sessions first; none of them outlives the database. */
class TenantDropTest {

    private static GatewayApplication app;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0"), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config);
        http = new Http(app.httpPort(), null);
        assertThat(http.postMultipart("/register", Map.of("platform", "dropapp", "schema", Bundles.tarGz(Bundles.clinicV1()))).status())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void droppingATenantEndsItsSessionsWith57P01AndARecreatedTenantNeverServesThem() throws Exception {
        createTenant();
        try (Connection transactionPooled = connect("dropapp_t1", "");
             Connection sessionPooled = connect("dropapp_t1", "&options=-c%20gateway.pool_mode%3Dsession");
             Connection otherTenant = connect("dropapp_main", "")) {
            assertThat(patients(transactionPooled)).isZero();
            assertThat(patients(sessionPooled)).isZero();
            assertThat(patients(otherTenant)).isZero();

            Http.Response dropped = http.delete("/admin/tenant/dropapp/t1?confirm=dropapp_t1");
            assertThat(dropped.status()).as(dropped.toString()).isEqualTo(200);

            for (Connection old : new Connection[]{transactionPooled, sessionPooled}) {
                SQLException ended = catchThrowableOfType(SQLException.class, () -> patients(old));
                assertThat((Throwable) ended).as("the session was ended").isNotNull();
                assertThat(ended.getSQLState()).as(ended.toString()).isEqualTo("57P01");
                assertThat(ended.getMessage()).contains("\"dropapp_t1\"", "dropped");
            }
            assertThat(patients(otherTenant)).as("the main database's session is left alone").isZero();

            createTenant();
            for (Connection old : new Connection[]{transactionPooled, sessionPooled}) {
                assertThat((Throwable) catchThrowableOfType(SQLException.class, () -> patients(old))).as("an old session stays ended").isNotNull();
            }
            try (Connection fresh = connect("dropapp_t1", "")) {
                assertThat(patients(fresh)).isZero();
            }
        }
    }

    private static void createTenant() {
        Http.Response created = http.postJson("/admin/create-tenant", Map.of("platform", "dropapp", "tenant_id", "t1"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
    }

    private static Connection connect(String database, String extra) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/" + database + "?user=app" + extra);
    }

    private static int patients(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM patients")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
