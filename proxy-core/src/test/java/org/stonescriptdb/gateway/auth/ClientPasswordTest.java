package org.stonescriptdb.gateway.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.config.ClientAuth;
import org.stonescriptdb.gateway.config.TlsMode;
import org.stonescriptdb.gateway.config.TlsSettings;
import org.stonescriptdb.gateway.metrics.AuthFailure;
import org.stonescriptdb.gateway.testing.CommandLine;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testsupport.TestCertificates;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stonescriptdb.gateway.testing.WireClient.PROTOCOL_3_0;

/**
 * {@code CLIENT_AUTH=password}: wire clients prove a password of their database's platform with SCRAM-SHA-256 (and
 * SCRAM-SHA-256-PLUS over TLS), through pgjdbc, psql, Debian's Python clients and node-postgres; a wrong password, another user name,
 * another platform's password and a platform without credentials all get the same 28P01; a platform's own networks;
 * hostile exchanges.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientPasswordTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String A = "pwa", B = "pwb", NONE = "pwc", FENCED = "pwfenced";
    private static final String A_PASSWORD = "alpha-Secret-1", A_OLD_PASSWORD = "alpha-old-0", A_EXPIRED = "alpha-expired";
    private static final String B_PASSWORD = "bravo-Secret-2";
    private static final Duration RUN = Duration.ofSeconds(40);

    private static Path dir;
    private static Path caFile;
    private static GatewayHarness plain;
    private static GatewayHarness tls;

    @BeforeAll
    static void start() throws Exception {
        for (String platform : List.of(A, B, NONE, FENCED)) TestPostgres.createDatabase(platform + "_main");
        dir = Files.createTempDirectory("gateway-scram");
        TestCertificates.Authority authority = TestCertificates.authority("scram test CA");
        caFile = authority.writeCertificate(dir.resolve("ca.crt"));
        TestCertificates.PemFiles server = authority.issue("localhost", List.of("localhost"), List.of("127.0.0.1")).written(dir, "server");
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        Instant now = Instant.now();
        ClientCredentials credentials = ClientCredentials.of(Map.of(
                A, List.of(new WireCredential(ScramVerifier.of(A_EXPIRED, salt, 4096), now.minusSeconds(1)),
                        new WireCredential(ScramVerifier.of(A_OLD_PASSWORD, salt, 4096), now.plus(Duration.ofHours(1))),
                        new WireCredential(ScramVerifier.of(A_PASSWORD, salt, 4096), null)),
                B, List.of(new WireCredential(ScramVerifier.of(B_PASSWORD, salt, 4096), null)),
                FENCED, List.of(new WireCredential(ScramVerifier.of("fenced-pw", salt, 4096), null))));
        ClientAuth auth = new ClientAuth(ClientAuth.Mode.PASSWORD, Map.of(FENCED, List.of(Cidr.parse("10.0.0.0/8"))));
        plain = GatewayHarness.start(c -> c.withClientAuth(auth), credentials);
        tls = GatewayHarness.start(c -> c.withClientAuth(auth).withTls(new TlsSettings(TlsMode.ALLOW, server.certificate(), server.key(), null)),
                credentials);
    }

    @AfterAll
    static void stop() throws Exception {
        if (plain != null) plain.close();
        if (tls != null) tls.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    private static Connection jdbc(GatewayHarness gw, String user, String password, String database, String... more) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "30");
        p.setProperty("sslmode", "disable");
        for (int i = 0; i + 1 < more.length; i += 2) p.setProperty(more[i], more[i + 1]);
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + gw.port() + "/" + database, p);
    }

    private static String currentDatabase(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertRefused(GatewayHarness gw, String user, String password, String database) {
        assertThatThrownBy(() -> jdbc(gw, user, password, database).close()).as(user + "/" + database)
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("password authentication failed for user \"" + user + "\"");
                });
    }

    @Test
    void thePlatformsPasswordOpensItsDatabases() throws Exception {
        try (Connection c = jdbc(plain, A, A_PASSWORD, A + "_main")) {
            assertThat(currentDatabase(c)).isEqualTo(A + "_main");
        }
    }

    @Test
    void aWrongPasswordIsRefusedWith28P01AndCounted() {
        long before = plain.proxy().counters().authFailures(AuthFailure.PASSWORD);
        assertRefused(plain, A, "not-the-password", A + "_main");
        assertThat(plain.proxy().counters().authFailures(AuthFailure.PASSWORD)).isEqualTo(before + 1);
    }

    @Test
    void onePlatformsPasswordNeverOpensAnothersDatabase() {
        assertRefused(plain, A, A_PASSWORD, B + "_main");
        assertRefused(plain, B, A_PASSWORD, B + "_main");
        long before = plain.proxy().counters().authFailures(AuthFailure.USER);
        assertRefused(plain, "app", A_PASSWORD, A + "_main");
        assertThat(plain.proxy().counters().authFailures(AuthFailure.USER)).as("a user name that is not the platform").isGreaterThan(before);
    }

    @Test
    void aPlatformWithoutCredentialsIsClosedAndSaysNoMoreThanAWrongPassword() {
        long before = plain.proxy().counters().authFailures(AuthFailure.NO_CREDENTIAL);
        assertRefused(plain, NONE, "anything", NONE + "_main");
        assertThat(plain.proxy().counters().authFailures(AuthFailure.NO_CREDENTIAL)).isEqualTo(before + 1);
    }

    @Test
    void whetherADatabaseExistsIsToldOnlyAfterThePassword() {
        assertRefused(plain, A, "wrong", A + "_nosuchtenant");
        assertRefused(plain, "nobody", "wrong", "not a platform database");
        assertThatThrownBy(() -> jdbc(plain, A, A_PASSWORD, A + "_nosuchtenant").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("3D000"));
    }

    @Test
    void duringARotationsGraceBothPasswordsWorkAndAnExpiredOneDoesNot() throws Exception {
        try (Connection c = jdbc(plain, A, A_OLD_PASSWORD, A + "_main")) {
            assertThat(currentDatabase(c)).isEqualTo(A + "_main");
        }
        assertRefused(plain, A, A_EXPIRED, A + "_main");
    }

    @Test
    void aPlatformLimitedToItsOwnNetworksRefusesOtherAddressesBeforeAnyPassword() {
        long before = plain.proxy().counters().authFailures(AuthFailure.PLATFORM_NETWORK);
        assertThatThrownBy(() -> jdbc(plain, FENCED, "fenced-pw", FENCED + "_main").close())
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("no gateway access for host \"127.0.0.1\" to database \"" + FENCED + "_main\"");
                });
        assertThat(plain.proxy().counters().authFailures(AuthFailure.PLATFORM_NETWORK)).isEqualTo(before + 1);
    }

    @Test
    void overTlsPgjdbcBindsTheChannel() throws Exception {
        try (Connection c = jdbc(tls, A, A_PASSWORD, A + "_main", "sslmode", "verify-full", "sslrootcert", caFile.toString(),
                "channelBinding", "require")) {
            assertThat(currentDatabase(c)).isEqualTo(A + "_main");
        }
        assertThatThrownBy(() -> jdbc(tls, A, "wrong", A + "_main", "sslmode", "verify-full", "sslrootcert", caFile.toString(),
                "channelBinding", "require").close()).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void withoutTlsAClientThatRequiresChannelBindingGivesUp() {
        assertThatThrownBy(() -> jdbc(plain, A, A_PASSWORD, A + "_main", "channelBinding", "require").close())
                .isInstanceOf(SQLException.class);
    }

    private static CommandLine.Result psql(GatewayHarness gw, String password, String conninfo) {
        return CommandLine.run(RUN, Map.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "5"), "psql", "-X", "-w", "-At",
                "host=localhost port=" + gw.port() + " " + conninfo, "-c", "select current_database()");
    }

    @Test
    void psqlLogsInWithVerifyFullAndChannelBindingRequiredAndIsRefusedAWrongPassword() {
        Assumptions.assumeTrue(CommandLine.available("psql"), "psql is not installed");
        String tlsInfo = "user=" + A + " dbname=" + A + "_main sslmode=verify-full sslrootcert=" + caFile + " channel_binding=require";
        CommandLine.Result ok = psql(tls, A_PASSWORD, tlsInfo);
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout().strip()).isEqualTo(A + "_main");
        CommandLine.Result wrong = psql(tls, "wrong", tlsInfo);
        assertThat(wrong.exitCode()).as(wrong.toString()).isNotZero();
        assertThat(wrong.stderr()).contains("password authentication failed for user \"" + A + "\"");
        CommandLine.Result noTls = psql(plain, A_PASSWORD, "user=" + A + " dbname=" + A + "_main sslmode=disable");
        assertThat(noTls.exitCode()).as(noTls.toString()).isZero();
        CommandLine.Result bindingWithoutTls = psql(plain, A_PASSWORD, "user=" + A + " dbname=" + A + "_main sslmode=disable channel_binding=require");
        assertThat(bindingWithoutTls.exitCode()).as(bindingWithoutTls.toString()).isNotZero();
    }

    private static void assumeModule(String module) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing");
        CommandLine.Result r = CommandLine.run(Duration.ofSeconds(20), Map.of(), PYTHON, "-c", "import " + module);
        Assumptions.assumeTrue(r.exitCode() == 0, PYTHON + " cannot import " + module + " (Debian package python3-" + module + ")");
    }

    private static CommandLine.Result python(String script, String... args) {
        List<String> command = new ArrayList<>(List.of(PYTHON, "-c", script));
        command.addAll(List.of(args));
        return CommandLine.run(RUN, Map.of("PYTHONDONTWRITEBYTECODE", "1"), command.toArray(String[]::new));
    }

    @Test
    void asyncpgLogsInOverTlsAndIsRefusedAWrongPassword() {
        assumeModule("asyncpg");
        String script = """
                import asyncio, ssl, sys, asyncpg
                port, ca, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
                async def main():
                    context = ssl.create_default_context(cafile=ca)
                    try:
                        c = await asyncpg.connect(host='localhost', port=port, user='pwa', password=password, database='pwa_main', ssl=context)
                    except asyncpg.exceptions.InvalidPasswordError as e:
                        print('refused', e.sqlstate); return
                    print('db', await c.fetchval('select current_database()'), 'ssl', c.get_server_pid() is not None)
                    await c.close()
                asyncio.run(main())
                """;
        CommandLine.Result ok = python(script, String.valueOf(tls.port()), caFile.toString(), A_PASSWORD);
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).as(ok.toString()).contains("db pwa_main");
        CommandLine.Result wrong = python(script, String.valueOf(tls.port()), caFile.toString(), "wrong");
        assertThat(wrong.stdout()).as(wrong.toString()).contains("refused 28P01");
    }

    @Test
    void psycopgLogsInWithChannelBindingRequired() {
        assumeModule("psycopg");
        CommandLine.Result r = python("""
                import sys, psycopg
                with psycopg.connect(host='localhost', port=int(sys.argv[1]), user='pwa', password=sys.argv[3], dbname='pwa_main',
                                     sslmode='verify-full', sslrootcert=sys.argv[2], channel_binding='require') as c:
                    print('db', c.execute('select current_database()').fetchone()[0])
                """, String.valueOf(tls.port()), caFile.toString(), A_PASSWORD);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("db pwa_main");
    }

    /** node-postgres from {@code src/test/node} ({@code .ci/run} runs {@code npm ci} there). */
    private static CommandLine.Result node(GatewayHarness gw, String ca, String password, String bind) {
        Path script = Path.of("src/test/node/scram_login.js").toAbsolutePath();
        Assumptions.assumeTrue(CommandLine.available("node"), "node is not installed");
        Assumptions.assumeTrue(Files.isDirectory(script.resolveSibling("node_modules").resolve("pg")),
                "node-postgres is not installed (npm ci in proxy-core/src/test/node)");
        return CommandLine.run(RUN, Map.of(), "node", script.toString(), String.valueOf(gw.port()), ca, A, password, A + "_main", bind);
    }

    @Test
    void nodePostgresLogsInWithAndWithoutChannelBindingAndIsRefusedAWrongPassword() {
        CommandLine.Result bound = node(tls, caFile.toString(), A_PASSWORD, "bind");
        assertThat(bound.stdout()).as(bound.toString()).contains("db pwa_main");
        CommandLine.Result plainText = node(plain, "-", A_PASSWORD, "no");
        assertThat(plainText.stdout()).as(plainText.toString()).contains("db pwa_main");
        CommandLine.Result wrong = node(tls, caFile.toString(), "wrong", "bind");
        assertThat(wrong.stdout()).as(wrong.toString()).contains("refused 28P01");
    }

    // ---- hostile exchanges, by hand ----

    private static WireClient startLogin() throws Exception {
        WireClient c = new WireClient(plain.port());
        c.send(WireClient.startupPacket(PROTOCOL_3_0, Map.of("user", A, "database", A + "_main")));
        WireClient.Message sasl = c.read();
        assertThat(sasl.type()).isEqualTo('R');
        assertThat(sasl.int32(0)).as("AuthenticationSASL").isEqualTo(10);
        assertThat(new String(sasl.body(), StandardCharsets.UTF_8)).contains("SCRAM-SHA-256").doesNotContain("PLUS");
        return c;
    }

    private static void expectFatal(WireClient c, String code) throws Exception {
        WireClient.Message m = c.read();
        assertThat(m.type()).as(m.toString()).isEqualTo('E');
        assertThat(m.sqlState()).as(m.toString()).isEqualTo(code);
        assertThat(c.closedByPeer()).isTrue();
    }

    @Test
    void aQueryInsteadOfTheSaslResponseIsAProtocolViolation() throws Exception {
        try (WireClient c = startLogin()) {
            c.send(WireClient.query("select 1"));
            expectFatal(c, "08P01");
        }
    }

    @Test
    void anOversizedSaslResponseIsRefusedBeforeItIsRead() throws Exception {
        try (WireClient c = startLogin()) {
            c.send(new byte[]{'p', 0x7f, 0, 0, 0});
            expectFatal(c, "08P01");
        }
    }

    @Test
    void garbageInTheExchangeIsAProtocolViolationAndTheGatewayServesOthers() throws Exception {
        try (WireClient c = startLogin()) {
            c.send(WireClient.typed('p', "SCRAM-SHA-256\0\0\0\0\u0004junk".getBytes(StandardCharsets.ISO_8859_1)));
            expectFatal(c, "08P01");
        }
        try (WireClient c = startLogin()) {
            c.send(WireClient.typed('p', "MD5\0\u00ff\u00ff\u00ff\u00ff".getBytes(StandardCharsets.ISO_8859_1)));
            expectFatal(c, "08P01");
        }
        try (Connection ok = jdbc(plain, A, A_PASSWORD, A + "_main")) {
            assertThat(currentDatabase(ok)).isEqualTo(A + "_main");
        }
    }
}
