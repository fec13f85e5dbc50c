package org.stonescriptdb.gateway.tls;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.TlsMode;
import org.stonescriptdb.gateway.config.TlsSettings;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testsupport.TestCertificates;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stonescriptdb.gateway.testing.WireClient.PROTOCOL_3_0;

/**
 * Client TLS on the proxy port, with a certificate authority made for the run: pgjdbc with {@code sslmode=verify-full},
 * a certificate for another host or out of date refused by the client, plaintext refused when TLS is required,
 * plaintext smuggled behind an SSLRequest refused, PostgreSQL 17's direct TLS (ALPN), and a renewed certificate served
 * without a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyTlsTest {

    private static final String DB = "tls_main";
    private static Path dir;
    private static TestCertificates.Authority authority;
    private static Path caFile;

    @BeforeAll
    static void makeCertificates() throws Exception {
        TestPostgres.createDatabase(DB);
        dir = Files.createTempDirectory("gateway-tls");
        authority = TestCertificates.authority("gateway test CA");
        caFile = authority.writeCertificate(dir.resolve("ca.crt"));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    /** A certificate for this machine's loopback names, written under {@code name}. */
    private static TestCertificates.PemFiles localhostCertificate(String name) {
        return authority.issue("localhost", List.of("localhost"), List.of("127.0.0.1")).written(dir, name);
    }

    private static GatewayHarness gateway(TlsMode mode, TestCertificates.PemFiles server) throws InterruptedException {
        return GatewayHarness.start(c -> c.withTls(new TlsSettings(mode, server.certificate(), server.key(), null)));
    }

    private static Connection jdbc(GatewayHarness gw, String host, String sslmode) throws SQLException {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("sslmode", sslmode);
        p.setProperty("sslrootcert", caFile.toString());
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + gw.port() + "/" + DB, p);
    }

    private static String selectOne(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 'over tls'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A client that trusts only the test authority. */
    private static SSLSocketFactory trustingTheAuthority() {
        return authority.clientContext().getSocketFactory();
    }

    private static WireClient negotiated(GatewayHarness gw) throws Exception {
        WireClient plain = new WireClient(gw.port());
        plain.send(WireClient.untyped(WireClient.SSL_REQUEST, new byte[0]));
        assertThat((char) plain.readByte()).as("the answer to SSLRequest").isEqualTo('S');
        return plain.startTls(trustingTheAuthority(), "localhost", s -> { });
    }

    private static void expectLoginAndQuery(WireClient c) throws Exception {
        c.send(WireClient.startupPacket(PROTOCOL_3_0, Map.of("user", "app", "database", DB)));
        List<Message> login = c.readUntil('Z');
        assertThat(login.get(0).type()).as(login.toString()).isEqualTo('R');
        c.send(WireClient.query("select 1"));
        assertThat(c.readUntil('Z').stream().map(Message::type).toList()).containsExactly('T', 'D', 'C', 'Z');
    }

    @Test
    void linuxOnX8664ServesTlsWithBoringSsl() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "the build ships BoringSSL for Linux x86-64 only");
        assertThat(ServerTls.implementation()).startsWith("BoringSSL");
    }

    @Test
    void pgjdbcWithVerifyFullWorksThroughTheGatewayAndTheHandshakeIsCounted() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, localhostCertificate("verify-full"))) {
            long before = gw.proxy().counters().tlsHandshakes();
            try (Connection c = jdbc(gw, "localhost", "verify-full")) {
                assertThat(selectOne(c)).isEqualTo("over tls");
            }
            assertThat(gw.proxy().counters().tlsHandshakes() - before).isEqualTo(1);
            try (Connection c = jdbc(gw, "localhost", "disable")) {
                assertThat(selectOne(c)).as("TLS_MODE=allow admits plaintext too").isEqualTo("over tls");
            }
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefusedByAVerifyFullClient() throws Exception {
        TestCertificates.PemFiles other = authority.issue("db.example.org", List.of("db.example.org"), List.of()).written(dir, "other-host");
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, other)) {
            assertThatThrownBy(() -> jdbc(gw, "localhost", "verify-full"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("hostname");
            try (Connection c = jdbc(gw, "localhost", "verify-ca")) {
                assertThat(selectOne(c)).as("verify-ca checks the chain, not the name").isEqualTo("over tls");
            }
        }
    }

    @Test
    void anExpiredCertificateIsRefusedAndTheFailedHandshakeCounted() throws Exception {
        Instant now = Instant.now();
        TestCertificates.PemFiles expired = authority.issue("localhost", List.of("localhost"), List.of("127.0.0.1"),
                now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(1))).written(dir, "expired");
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, expired)) {
            assertThatThrownBy(() -> jdbc(gw, "localhost", "verify-ca"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(causes(e)).containsIgnoringCase("expired"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (gw.proxy().counters().tlsHandshakeFailures() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(gw.proxy().counters().tlsHandshakeFailures()).isPositive();
        }
    }

    @Test
    void withTlsRequiredAPlaintextStartUpGetsFatal28000() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.REQUIRE, localhostCertificate("require"))) {
            assertThatThrownBy(() -> jdbc(gw, "127.0.0.1", "disable"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("accepts only TLS connections").contains("sslmode=require");
                    });
            try (Connection c = jdbc(gw, "127.0.0.1", "require")) {
                assertThat(selectOne(c)).isEqualTo("over tls");
            }
        }
    }

    @Test
    void plaintextSentBehindAnSslRequestIsRefusedNotTakenAsEncrypted() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, localhostCertificate("smuggle"));
             WireClient c = new WireClient(gw.port())) {
            // CVE-2021-23214: a man in the middle appends a query to the client's SSLRequest.
            c.send(concat(WireClient.untyped(WireClient.SSL_REQUEST, new byte[0]),
                    WireClient.startupPacket(PROTOCOL_3_0, Map.of("user", "app", "database", DB))));
            Message fatal = c.read();
            assertThat(fatal.type()).isEqualTo('E');
            assertThat(fatal.sqlState()).isEqualTo("08P01");
            assertThat(fatal.fields().get('M')).isEqualTo("received unencrypted data after SSL request");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void anSslRequestInsideTlsIsAProtocolViolation() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, localhostCertificate("twice"));
             WireClient tls = negotiated(gw)) {
            tls.send(WireClient.untyped(WireClient.SSL_REQUEST, new byte[0]));
            Message fatal = tls.read();
            assertThat(fatal.sqlState()).isEqualTo("08P01");
            assertThat(tls.closedByPeer()).isTrue();
        }
    }

    @Test
    void directTlsWithAlpnPostgresqlLogsIn() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.REQUIRE, localhostCertificate("direct"))) {
            SSLSocket socket = (SSLSocket) trustingTheAuthority().createSocket("127.0.0.1", gw.port());
            SSLParameters params = socket.getSSLParameters();
            params.setApplicationProtocols(new String[] {"postgresql"});
            socket.setSSLParameters(params);
            socket.startHandshake();
            assertThat(socket.getApplicationProtocol()).isEqualTo("postgresql");
            try (WireClient c = new WireClient(socket)) {
                expectLoginAndQuery(c);
            }
        }
    }

    @Test
    void directTlsWithoutAlpnIsRefused() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, localhostCertificate("direct-no-alpn"))) {
            SSLSocket socket = (SSLSocket) trustingTheAuthority().createSocket("127.0.0.1", gw.port());
            socket.startHandshake();
            try (WireClient c = new WireClient(socket)) {
                Message fatal = c.read();
                assertThat(fatal.sqlState()).isEqualTo("08P01");
                assertThat(fatal.fields().get('M')).contains("without ALPN");
                assertThat(c.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void theNegotiatedWayLogsInAndAGssEncRequestStillGetsN() throws Exception {
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, localhostCertificate("negotiated"))) {
            try (WireClient plain = new WireClient(gw.port())) {
                plain.send(WireClient.untyped(WireClient.GSSENC_REQUEST, new byte[0]));
                assertThat((char) plain.readByte()).isEqualTo('N');
                plain.send(WireClient.untyped(WireClient.SSL_REQUEST, new byte[0]));
                assertThat((char) plain.readByte()).isEqualTo('S');
                try (WireClient tls = plain.startTls(trustingTheAuthority(), "localhost", s -> { })) {
                    expectLoginAndQuery(tls);
                }
            }
        }
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
        TestCertificates.PemFiles first = localhostCertificate("renewed");
        try (GatewayHarness gw = gateway(TlsMode.ALLOW, first)) {
            BigInteger before = servedSerial(gw);
            assertThat(gw.proxy().reloadTls()).as("nothing changed yet").isFalse();

            TestCertificates.Issued renewed = authority.issue("localhost", List.of("localhost"), List.of("127.0.0.1"));
            TestCertificates.PemFiles written = renewed.written(dir, "renewed");
            // File times may be coarse: make the change visible however quickly the renewal followed.
            Files.setLastModifiedTime(written.certificate(), java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
            assertThat(gw.proxy().reloadTls()).isTrue();
            BigInteger after = servedSerial(gw);
            assertThat(after).isEqualTo(renewed.certificate().getSerialNumber()).isNotEqualTo(before);
            assertThat(gw.proxy().tlsCertificateNotAfter()).as("the expiry metric follows the renewal")
                    .isEqualTo(renewed.certificate().getNotAfter().toInstant());

            // A broken renewal keeps the previous certificate in service.
            Files.writeString(written.key(), "not a key");
            Files.setLastModifiedTime(written.key(), java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(10)));
            assertThat(gw.proxy().reloadTls()).isFalse();
            assertThat(servedSerial(gw)).isEqualTo(after);
        }
    }

    private static BigInteger servedSerial(GatewayHarness gw) throws Exception {
        try (WireClient tls = negotiated(gw)) {
            Socket socket = tls.socket();
            return ((X509Certificate) ((SSLSocket) socket).getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t).append(" | ");
        return sb.toString();
    }
}
