package org.stonescriptdb.gateway.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.config.ConfigException;
import org.stonescriptdb.gateway.config.Limits;
import org.stonescriptdb.gateway.config.TlsSettings;
import org.stonescriptdb.gateway.testsupport.TestCertificates;
import org.stonescriptdb.gateway.tls.ReloadingContext;
import org.stonescriptdb.gateway.tls.ServerTls;

import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS on the side-port ({@code HTTP_TLS=on}): a client trusting the test authority gets its answer over TLS, a
 * plaintext request gets no HTTP answer, and a key that is not a key stops the start with a message naming the files.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpsSidePortTest {

    private static Path dir;
    private static TestCertificates.Authority authority;
    private static TestCertificates.PemFiles server;
    private static AdminServer https;
    private static ReloadingContext<SSLContext> contexts;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("gateway-https");
        authority = TestCertificates.authority("side-port test CA");
        server = authority.issue("localhost", List.of("localhost"), List.of("127.0.0.1")).written(dir, "side-port");
        contexts = ServerTls.forHttps(new TlsSettings.Https(server.certificate(), server.key()));
        https = AdminServer.start("127.0.0.1", 0,
                new AdminServer.Settings(List.of(Cidr.parse("127.0.0.0/8")), 1024, Limits.defaults(), code -> { }, contexts::current),
                List.of(new Endpoint.Route("GET", "/hello", request -> Endpoint.Reply.json(200, Map.of("over", "tls")))));
    }

    @AfterAll
    static void stop() throws Exception {
        if (https != null) https.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void aClientTrustingTheAuthorityIsAnsweredOverTls() throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(authority.clientContext()).connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + https.port() + "/hello"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"over\":\"tls\"");
            assertThat(answer.sslSession()).isPresent();
        }
    }

    /** The serial number of the certificate the side-port serves a new connection now. */
    private static java.math.BigInteger servedSerial() throws Exception {
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) authority.clientContext().getSocketFactory().createSocket("127.0.0.1", https.port())) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsAndABrokenRenewalKeepsThePrevious() throws Exception {
        java.math.BigInteger before = servedSerial();
        assertThat(contexts.reloadIfChanged()).as("nothing changed yet").isFalse();
        TestCertificates.Issued renewed = authority.issue("localhost", List.of("localhost"), List.of("127.0.0.1"));
        TestCertificates.PemFiles written = renewed.written(dir, "side-port");
        // File times may be coarse: make the change visible however quickly the renewal followed.
        Files.setLastModifiedTime(written.certificate(), java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(5)));
        assertThat(contexts.reloadIfChanged()).isTrue();
        assertThat(servedSerial()).isEqualTo(renewed.certificate().getSerialNumber()).isNotEqualTo(before);
        Files.writeString(written.key(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Files.setLastModifiedTime(written.key(), java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(10)));
        assertThat(contexts.reloadIfChanged()).as("a broken renewal").isFalse();
        assertThat(servedSerial()).isEqualTo(renewed.certificate().getSerialNumber());
    }

    @Test
    void aPlaintextRequestGetsNoHttpAnswer() throws Exception {
        try (Socket s = new Socket("127.0.0.1", https.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = in.readNBytes(5);
            assertThat(new String(reply, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
        }
    }

    @Test
    void aBrokenKeyIsAConfigurationErrorNamingTheFiles() throws Exception {
        Path badKey = Files.writeString(dir.resolve("bad.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> ServerTls.forHttps(new TlsSettings.Https(server.certificate(), badKey)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(server.certificate().toString())
                .hasMessageContaining("bad.key");
    }
}
