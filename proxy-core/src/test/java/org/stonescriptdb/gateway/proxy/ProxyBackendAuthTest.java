package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/**
 * The gateway logs in to the backend with its own credentials, whichever method the server asks for. The shared
 * test server gets pg_hba lines for three extra roles only; everything else stays on trust.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyBackendAuthTest {

    private static final String DB = "auth_main";

    @BeforeAll
    static void configureServer() throws Exception {
        TestPostgres.createDatabase(DB);
        String hbaFile;
        try (Connection c = TestPostgres.direct("postgres")) {
            hbaFile = rows(c, "show hba_file").get(0);
        }
        Path hba = Path.of(hbaFile);
        String current = Files.readString(hba);
        if (!current.contains("gw_verifier")) {
            String lines = """
                    host all gw_scram 127.0.0.1/32 scram-sha-256
                    host all gw_verifier 127.0.0.1/32 scram-sha-256
                    host all gw_md5 127.0.0.1/32 md5
                    host all gw_plain 127.0.0.1/32 password
                    """;
            Files.writeString(hba, lines + current);
        }
        TestPostgres.execute("postgres",
                "do $$ begin if not exists (select from pg_roles where rolname = 'gw_scram') then "
                        + "set local password_encryption = 'scram-sha-256'; create role gw_scram login password 'scram-secret'; "
                        + "set local password_encryption = 'md5'; create role gw_md5 login password 'md5-secret'; "
                        + "set local password_encryption = 'scram-sha-256'; create role gw_plain login password 'plain-secret'; "
                        + "end if; end $$",
                "select pg_reload_conf()");
        // The postmaster reloads pg_hba asynchronously: until it has, gw_scram logs in by trust (no system_user).
        Await.until(Duration.ofSeconds(10), () -> scramLoginRequired(), "the server to use the new pg_hba.conf");
    }

    private static boolean scramLoginRequired() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "gw_scram");
        p.setProperty("password", "scram-secret");
        try (Connection c = java.sql.DriverManager.getConnection(TestPostgres.directUrl("postgres"), p)) {
            return !rows(c, "select coalesce(system_user, '')").get(0).isEmpty();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A role whose password was set from the gateway's own SCRAM verifier: the password alone logs in, over SCRAM. */
    @Test
    void aScramVerifierTheGatewayComputedAcceptsItsPassword() throws Exception {
        String verifier = org.stonescriptdb.gateway.auth.ScramClient.verifier("verifier-secret", 4096);
        assertThat(verifier).startsWith("SCRAM-SHA-256$4096:").doesNotContain("verifier-secret");
        TestPostgres.execute("postgres", "drop role if exists gw_verifier", "create role gw_verifier login password '" + verifier + "'");
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "gw_verifier");
        p.setProperty("password", "verifier-secret");
        try (Connection c = java.sql.DriverManager.getConnection(TestPostgres.directUrl("postgres"), p)) {
            assertThat(rows(c, "select coalesce(system_user, '')")).containsExactly("scram-sha-256:gw_verifier");
        }
        p.setProperty("password", "wrong");
        SQLException wrong = catchThrowableOfType(SQLException.class, () -> java.sql.DriverManager.getConnection(TestPostgres.directUrl("postgres"), p).close());
        assertThat((Object) wrong).as("a wrong password").isNotNull();
    }

    private static BackendTarget as(String user, String password) {
        return new BackendTarget("127.0.0.1", TestPostgres.port(), "postgres", user, password);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "scram-sha-256, gw_scram, scram-secret, scram-sha-256:gw_scram",
            "md5, gw_md5, md5-secret, md5:gw_md5",
            "cleartext, gw_plain, plain-secret, password:gw_plain",
            "trust, postgres, '', ''"})
    void theGatewayLogsInWithItsOwnCredentials(String method, String user, String password, String systemUser) throws Exception {
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withBackend(as(user, password)))) {
            try (Connection c = gw.connect(DB)) {
                assertThat(rows(c, "select current_user")).as(method).containsExactly(user);
                assertThat(rows(c, "select current_database()")).containsExactly(DB);
                // PostgreSQL 16+: system_user is "<auth method>:<identity>", null under trust.
                assertThat(rows(c, "select coalesce(system_user, '')")).as("how the server authenticated the gateway")
                        .containsExactly(systemUser);
            }
            // Once more, so the pooled connection is reused after its reset.
            try (Connection c = gw.connect(DB)) {
                assertThat(rows(c, "select current_user")).containsExactly(user);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"gw_scram", "gw_md5", "gw_plain"})
    void aWrongBackendPasswordFailsTheClientCleanlyInsteadOfHanging(String user) throws Exception {
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withBackend(as(user, "not-the-password"))
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(2)))) {
            long started = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, () -> gw.connect(DB).close());
            assertThat((Throwable) e).as("a client while the gateway cannot log in").isNotNull();
            // The database exists: the failure is reaching the server, not a missing database (3D000).
            assertThat(e.getSQLState()).as(e.getMessage()).startsWith("08");
            assertThat(e.getMessage()).doesNotContain("not-the-password");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(gw.proxy().stats().totalConnections()).isZero();
        }
    }

    @Test
    void clientsAreNeverAskedForAPassword() throws Exception {
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withBackend(as("gw_scram", "scram-secret")))) {
            // pgjdbc with no password fails if the server asks for one: so getting in proves the gateway did not.
            for (String user : List.of("app", "someone_else", "postgres")) {
                java.util.Properties p = new java.util.Properties();
                p.setProperty("user", user);
                try (Connection c = gw.connect(DB, p)) {
                    assertThat(rows(c, "select current_user")).containsExactly("gw_scram");
                }
            }
        }
    }
}
