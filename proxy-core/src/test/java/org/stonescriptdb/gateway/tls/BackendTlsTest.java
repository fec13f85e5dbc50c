package org.stonescriptdb.gateway.tls;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.BackendSsl;
import org.stonescriptdb.gateway.config.BackendSsl.Mode;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendConnector;
import org.stonescriptdb.gateway.testsupport.TestCertificates;
import org.stonescriptdb.gateway.testsupport.TestPostgres;
import org.stonescriptdb.gateway.transport.Transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS from the gateway to PostgreSQL: a second embedded server with {@code ssl=on} and a certificate from an authority
 * made for the run (for the name {@code localhost} only), reached with each {@code sslmode}; a server without TLS; a
 * wrong authority; and a "server" that sends plaintext behind its 'S'. Whether a session is encrypted is read from
 * {@code pg_stat_ssl}, by the application name the connection logged in with.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackendTlsTest {

    private static final AtomicInteger PROBES = new AtomicInteger();
    private static Path dir;
    private static Path caFile;
    private static Path otherCaFile;
    private static EmbeddedPostgres tlsServer;
    private static EventLoopGroup group;
    private static EventLoop loop;

    @BeforeAll
    static void startServerWithTls() throws Exception {
        dir = Files.createTempDirectory("gateway-backend-tls");
        TestCertificates.Authority authority = TestCertificates.authority("backend test CA");
        caFile = authority.writeCertificate(dir.resolve("ca.crt"));
        otherCaFile = TestCertificates.authority("some other CA").writeCertificate(dir.resolve("other-ca.crt"));
        TestCertificates.PemFiles server = authority.issue("localhost", List.of("localhost"), List.of()).written(dir, "server");
        // PostgreSQL refuses a key file others may read.
        Files.setPosixFilePermissions(server.key(), PosixFilePermissions.fromString("rw-------"));
        tlsServer = EmbeddedPostgres.builder()
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", server.certificate().toString())
                .setServerConfig("ssl_key_file", server.key().toString())
                .setServerConfig("fsync", "off")
                .start();
        group = Transport.of(IoTransport.AUTO).newGroup(1, "backend-tls-test");
        loop = group.next();
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (tlsServer != null) tlsServer.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    private static BackendTarget tlsServer(String host, Mode mode, Path rootCert) {
        return new BackendTarget(host, tlsServer.getPort(), "postgres", "postgres", "", new BackendSsl(mode, rootCert));
    }

    /** What pg_stat_ssl says of the session named {@code probe}, read over a plaintext connection. */
    private static Boolean encrypted(String probe) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + tlsServer.getPort() + "/postgres?sslmode=disable", "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select s.ssl from pg_stat_ssl s join pg_stat_activity a using (pid) where a.application_name = '" + probe + "'")) {
            return rs.next() ? rs.getBoolean(1) : null;
        }
    }

    private static String failureOf(BackendTarget target) {
        BackendConnector connector = new BackendConnector(target, Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        try {
            connector.connect(loop, "postgres", null, "tls-refused", closed -> { }).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the connection was made");
    }

    @Test
    void verifyFullEncryptsAndChecksTheName() throws Exception {
        assertThat(encryptedAfter(tlsServer("localhost", Mode.VERIFY_FULL, caFile))).isTrue();
    }

    @Test
    void preferAndRequireEncryptWhenTheServerOffersIt() throws Exception {
        assertThat(encryptedAfter(tlsServer("127.0.0.1", Mode.PREFER, null))).isTrue();
        assertThat(encryptedAfter(tlsServer("127.0.0.1", Mode.REQUIRE, null))).isTrue();
    }

    @Test
    void disableStaysPlaintext() throws Exception {
        assertThat(encryptedAfter(tlsServer("127.0.0.1", Mode.DISABLE, null))).isFalse();
    }

    @Test
    void verifyFullRefusesACertificateThatDoesNotNameTheHostButVerifyCaTakesIt() throws Exception {
        assertThat(failureOf(tlsServer("127.0.0.1", Mode.VERIFY_FULL, caFile)))
                .contains("TLS with the backend at 127.0.0.1:" + tlsServer.getPort() + " (sslmode=verify-full)")
                .contains("handshake failed");
        assertThat(encryptedAfter(tlsServer("127.0.0.1", Mode.VERIFY_CA, caFile))).isTrue();
    }

    @Test
    void verifyCaRefusesACertificateOfAnotherAuthority() {
        assertThat(failureOf(tlsServer("localhost", Mode.VERIFY_CA, otherCaFile)))
                .contains("(sslmode=verify-ca)").contains("handshake failed");
    }

    @Test
    void requireRefusesAServerWithoutTlsAndPreferFallsBackToPlaintext() throws Exception {
        BackendTarget plain = new BackendTarget(TestPostgres.HOST, TestPostgres.port(), "postgres", TestPostgres.SUPERUSER, "",
                new BackendSsl(Mode.REQUIRE, null));
        assertThat(failureOf(plain)).contains("the server does not support SSL, but sslmode is require");
        BackendTarget preferring = new BackendTarget(TestPostgres.HOST, TestPostgres.port(), "postgres", TestPostgres.SUPERUSER, "");
        BackendConnector connector = new BackendConnector(preferring, Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        connector.connect(loop, "postgres", null, closed -> { }).get(15, TimeUnit.SECONDS).close();
    }

    @Test
    void plaintextBehindTheServersSslAnswerIsRefused() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofVirtual().start(() -> {
                try (Socket s = fake.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.readNBytes(8);
                    out.write(new byte[] {'S', 'R', 0, 0, 0, 8, 0, 0, 0, 0}); // 'S' and an AuthenticationOk in plaintext
                    out.flush();
                    in.read();
                } catch (Exception ignored) {
                    // the gateway hung up: expected
                }
            });
            BackendTarget target = new BackendTarget("127.0.0.1", fake.getLocalPort(), "postgres", "postgres", "",
                    new BackendSsl(Mode.REQUIRE, null));
            assertThat(failureOf(target)).contains("received unencrypted data after the server's SSL response");
            server.join(5_000);
        }
    }

    @Test
    void theSidePortsJdbcUrlAsksTheSameOfPgjdbc() throws Exception {
        BackendTarget target = tlsServer("localhost", Mode.VERIFY_FULL, caFile);
        assertThat(target.jdbcUrl("postgres")).contains("sslmode=verify-full").contains("sslrootcert=");
        try (Connection c = DriverManager.getConnection(target.jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
        BackendTarget wrongName = tlsServer("127.0.0.1", Mode.VERIFY_FULL, caFile);
        assertThatThrownBy(() -> DriverManager.getConnection(wrongName.jdbcUrl("postgres"), "postgres", "").close())
                .hasMessageContaining("hostname");
    }

    /** Whether the session opened for {@code target} is encrypted, read while it is open. */
    private static Boolean encryptedAfter(BackendTarget target) throws Exception {
        String probe = "tls-probe-" + PROBES.incrementAndGet();
        BackendConnector connector = new BackendConnector(target, Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        BackendConnection c = connector.connect(loop, "postgres", null, probe, closed -> { }).get(15, TimeUnit.SECONDS);
        try {
            return encrypted(probe);
        } finally {
            c.close();
        }
    }
}
