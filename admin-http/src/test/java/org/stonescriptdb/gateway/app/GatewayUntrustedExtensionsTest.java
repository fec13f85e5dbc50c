package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code UNTRUSTED_EXTENSIONS} end to end: a listed extension a bundle needs is installed by the gateway's
 * administrative login (the embedded superuser; {@code DB_USER} on an external server), never by the platform's role.
 */
class GatewayUntrustedExtensionsTest {

    private static final String ADMIN_KEY = "untrusted-admin-key";
    private static final long UPLOAD = AdminSettings.DEFAULT_MAX_UPLOAD_MB * 1024L * 1024L;

    @TempDir
    Path dir;

    private static byte[] clinicWith(Map<String, String> files, String... extensions) {
        Map<String, String> b = new java.util.LinkedHashMap<>(files);
        for (String e : extensions) b.put("extensions/" + e + ".sql", "-- needed by the platform\n");
        return Bundles.tarGz(b);
    }

    private static String one(BackendTarget server, String database, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void onTheEmbeddedServerTheSuperuserInstallsAListedExtensionAndThePlatformGainsNothing() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("DATA_DIR", dir.toString(), "GATEWAY_PORT", "0", "PROXY_PORT", "0",
                "API_KEY_ADMIN", ADMIN_KEY), null);
        try (GatewayApplication app = GatewayApplication.start(config, new AdminSettings(UPLOAD, Set.of("dblink")))) {
            Http admin = new Http(app.httpPort(), ADMIN_KEY);
            BackendTarget superuser = app.embeddedBackend().target();

            Http.Response registered = admin.postMultipart("/register", Map.of("platform", "exta",
                    "schema", clinicWith(Bundles.clinicV1(), "dblink")));

            assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
            assertThat(one(superuser, "exta_main", "SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'dblink'"))
                    .as("installed by the embedded superuser, not by ssdb_gateway or the platform").isEqualTo("postgres");
            assertThat(one(superuser, "exta_main", "SELECT tableowner FROM pg_tables WHERE tablename = 'patients'")).isEqualTo("ssdb_exta");
            assertThat(one(superuser, "postgres", "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = 'ssdb_exta'"))
                    .isEqualTo("f");
            try (Connection platform = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/exta_main?user=app");
                 Statement s = platform.createStatement()) {
                SQLException refused = catchThrowableOfType(SQLException.class, () -> s.execute("CREATE EXTENSION postgres_fdw"));
                assertThat((Object) refused).as("the platform's role still may not install an untrusted extension").isNotNull();
                assertThat(refused.getSQLState()).isEqualTo("42501");
            }

            Http.Response unlisted = admin.postMultipart("/migrate", Map.of("platform", "exta",
                    "schema", clinicWith(Bundles.clinicV2(), "dblink", "postgres_fdw")));

            assertThat(unlisted.status()).as(unlisted.toString()).isEqualTo(422);
            assertThat(unlisted.json().get("message").asText()).contains("extension 'postgres_fdw' is not trusted")
                    .contains("UNTRUSTED_EXTENSIONS");
            assertThat(one(superuser, "exta_main", "SELECT count(*) FROM pg_extension WHERE extname = 'postgres_fdw'")).isEqualTo("0");
            assertThat(one(superuser, "exta_main", "SELECT count(*) FROM pg_class WHERE relname = 'visits'")).isEqualTo("0");
        }
    }

    /**
     * An external server whose {@code DB_USER} has only what the gateway needs ({@code CREATEDB CREATEROLE}): PostgreSQL
     * refuses it the extension, the deploy fails with the way out and changes nothing; once a DBA installs it, it goes.
     */
    @Test
    void onAnExternalServerADbUserThatMayNotInstallItFailsTheDeployWithTheWayOut() throws Exception {
        try (EmbeddedBackend server = EmbeddedBackend.start(dir.resolve("external"), 60)) {
            BackendTarget superuser = server.target();
            try (Connection c = DriverManager.getConnection(superuser.jdbcUrl("postgres"), "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE ROLE plain_gateway LOGIN CREATEDB CREATEROLE PASSWORD 'plain-secret'");
            }
            BackendTarget dbUser = new BackendTarget(superuser.host(), superuser.port(), "postgres", "plain_gateway", "plain-secret");
            GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY), null)
                    .withBackend(dbUser);
            try (GatewayApplication app = GatewayApplication.start(config, new AdminSettings(UPLOAD, Set.of("dblink")))) {
                Http admin = new Http(app.httpPort(), ADMIN_KEY);
                Http.Response registered = admin.postMultipart("/register", Map.of("platform", "extb", "schema", Bundles.tarGz(Bundles.clinicV1())));
                assertThat(registered.status()).as(registered.toString()).isEqualTo(200);

                Http.Response refused = admin.postMultipart("/migrate", Map.of("platform", "extb",
                        "schema", clinicWith(Bundles.clinicV2(), "dblink")));

                assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
                assertThat(refused.json().get("message").asText())
                        .contains("extension 'dblink' is allowed by UNTRUSTED_EXTENSIONS, but the gateway's login plain_gateway"
                                + " could not install it in database extb_main")
                        .contains("permission denied to create extension \"dblink\"")
                        .contains("have a DBA run CREATE EXTENSION \"dblink\" in this database once");
                assertThat(one(superuser, "extb_main", "SELECT count(*) FROM pg_extension WHERE extname = 'dblink'")).isEqualTo("0");
                assertThat(one(superuser, "extb_main", "SELECT count(*) FROM pg_class WHERE relname = 'visits'"))
                        .as("nothing of the deploy").isEqualTo("0");

                try (Connection c = DriverManager.getConnection(superuser.jdbcUrl("extb_main"), "postgres", "");
                     Statement s = c.createStatement()) {
                    s.execute("CREATE EXTENSION dblink");
                }
                Http.Response afterDba = admin.postMultipart("/migrate", Map.of("platform", "extb",
                        "schema", clinicWith(Bundles.clinicV2(), "dblink")));
                assertThat(afterDba.status()).as(afterDba.toString()).isEqualTo(200);
                assertThat(one(superuser, "extb_main", "SELECT tableowner FROM pg_tables WHERE tablename = 'visits'")).isEqualTo("ssdb_extb");
            }
        }
    }
}
