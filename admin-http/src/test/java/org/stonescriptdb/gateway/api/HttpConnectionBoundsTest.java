package org.stonescriptdb.gateway.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.RawHttp;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.Await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP port against clients that hold connections without finishing anything (slowloris): a request must arrive
 * whole within HTTP_REQUEST_TIMEOUT_SECS, an idle keep-alive connection lasts HTTP_IDLE_TIMEOUT_SECS, and beyond
 * HTTP_MAX_CONNECTIONS new connections are closed at once while the open ones go on. Timeouts here are a second or a
 * few, the other ones long, so that only the one under test can close a connection within the generous waits.
 */
class HttpConnectionBoundsTest {

    /** Far longer than any timeout configured here, far shorter than "never". */
    private static final Duration WITHIN = Duration.ofSeconds(15);
    private GatewayApplication app;

    @AfterEach
    void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void aHalfSentHeaderIsClosedAfterTheRequestTimeoutWhileHealthKeepsAnswering() {
        int port = start("HTTP_REQUEST_TIMEOUT_SECS", "1", "HTTP_IDLE_TIMEOUT_SECS", "600");
        try (RawHttp slow = RawHttp.connect(port)) {
            assertThat(slow.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")).isTrue();
            assertThat(health(port)).isEqualTo(200);
            assertThat(slow.closedByServerWithin(WITHIN)).as("half a header is closed after the request timeout").isTrue();
        }
        assertThat(health(port)).isEqualTo(200);
    }

    @Test
    void aHeaderDrippedByteByByteIsClosedAllTheSame() {
        int port = start("HTTP_REQUEST_TIMEOUT_SECS", "1", "HTTP_IDLE_TIMEOUT_SECS", "600");
        try (RawHttp drip = RawHttp.connect(port)) {
            drip.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ");
            // Every read makes progress, so only a deadline for the whole request can end this.
            Thread dripper = Thread.ofVirtual().start(() -> {
                long end = System.nanoTime() + WITHIN.toNanos();
                while (System.nanoTime() < end && drip.send("a")) LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // slow on purpose
            });
            assertThat(drip.closedByServerWithin(WITHIN)).as("a dripped header is closed after the request timeout").isTrue();
            dripper.interrupt();
        }
        assertThat(health(port)).isEqualTo(200);
    }

    @Test
    void aBodyThatStopsArrivingIsClosedAfterTheRequestTimeout() {
        int port = start("HTTP_REQUEST_TIMEOUT_SECS", "1", "HTTP_IDLE_TIMEOUT_SECS", "600");
        try (RawHttp stalled = RawHttp.connect(port); RawHttp dripped = RawHttp.connect(port)) {
            String head = "POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n";
            stalled.send(head + "{\"platform\": ");
            dripped.send(head + "{\"query\": \"");
            Thread dripper = Thread.ofVirtual().start(() -> {
                long end = System.nanoTime() + WITHIN.toNanos();
                while (System.nanoTime() < end && dripped.send(" ")) LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // slow on purpose
            });
            assertThat(health(port)).isEqualTo(200);
            assertThat(stalled.closedByServerWithin(WITHIN)).as("a stalled body").isTrue();
            assertThat(dripped.closedByServerWithin(WITHIN)).as("a dripped body").isTrue();
            dripper.interrupt();
        }
        assertThat(health(port)).isEqualTo(200);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeoutButNotWhileInUse() {
        int port = start("HTTP_IDLE_TIMEOUT_SECS", "1", "HTTP_REQUEST_TIMEOUT_SECS", "600");
        try (RawHttp busy = RawHttp.connect(port)) {
            // Requests a little apart, for three times the idle timeout: each gap is shorter than it, so the connection lives.
            for (int i = 0; i < 10; i++) {
                assertThat(busy.send(RawHttp.get("/health"))).isTrue();
                assertThat(busy.readAnswer().status()).as("request " + i + " on the kept-alive connection").isEqualTo(200);
                LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // the gap is the point, not a wait for anything
            }
            assertThat(busy.closedByServerWithin(WITHIN)).as("then idle, it is closed").isTrue();
        }
        try (RawHttp silent = RawHttp.connect(port)) {
            assertThat(silent.closedByServerWithin(WITHIN)).as("a connection that never sends a byte is idle too").isTrue();
        }
    }

    @Test
    void anAnswerTheClientStopsReadingIsAbandonedAfterTheIdleTimeout() throws Exception {
        int port = start("HTTP_IDLE_TIMEOUT_SECS", "1", "HTTP_REQUEST_TIMEOUT_SECS", "600");
        Http http = new Http(port, null);
        assertThat(http.postMultipart("/register", Map.of("platform", "stallapp", "schema", Bundles.tarGz(Bundles.clinicV1()))).status()).isEqualTo(200);
        // A reader that keeps up is not cut off, however long the work before its answer takes on a kept-alive connection.
        try (RawHttp patient = RawHttp.connect(port)) {
            patient.send(RawHttp.get("/health"));
            assertThat(patient.readAnswer().status()).isEqualTo(200);
            String slow = "{\"platform\": \"stallapp\", \"query\": \"SELECT pg_sleep(2.5)::text AS slept, repeat('y', 300000) AS r\"}";
            patient.send("POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + slow.length() + "\r\n\r\n" + slow);
            RawHttp.Answer answer = patient.readAnswer();
            assertThat(answer.status()).as("an answer after more than the idle timeout of work").isEqualTo(200);
            assertThat(answer.body()).contains("\"row_count\":1");
        }
        // 30 MB of answer, under the result cap, to a client that reads none of it: the answer would sit in memory for
        // as long as the connection lasts.
        String body = "{\"platform\": \"stallapp\", \"query\": \"SELECT repeat('x', 1000000) AS r FROM generate_series(1, 30)\"}";
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port));
            stalled.getOutputStream().write(("POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            // First the query ran (so its connection was accepted and its answer is being written): the count of open
            // connections falls to 0 before the stalled one is even accepted otherwise, and the read below would then
            // take the whole answer as it is written.
            awaitTrue("the stalled request's query ran", () -> queries("stallapp") >= 2);
            awaitTrue("the stalled answer's connection is closed (and the setup's idle ones)", () -> gauge("db_gateway_http_connections") == 0);
            byte[] all = stalled.getInputStream().readAllBytes();
            assertThat(all.length).as("what reached the client before the close").isLessThan(30_000_000);
        } catch (java.net.SocketException reset) {
            // closed with unread data: the client sees a reset, which is the point
        }
        assertThat(health(port)).isEqualTo(200);
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnceAndTheOpenOnesGoOn() {
        int port = start("HTTP_MAX_CONNECTIONS", "5", "HTTP_IDLE_TIMEOUT_SECS", "4", "HTTP_REQUEST_TIMEOUT_SECS", "600");
        List<RawHttp> sockets = new ArrayList<>();
        try {
            // One connection in the middle of a request, four silent ones: the cap is reached.
            RawHttp inFlight = RawHttp.connect(port);
            sockets.add(inFlight);
            String body = "{\"platform\": \"nosuchapp\", \"query\": \"SELECT 1\"}";
            inFlight.send("POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body.substring(0, 10));
            for (int i = 0; i < 4; i++) sockets.add(RawHttp.connect(port));
            awaitTrue("the gateway holds five HTTP connections", () -> gauge("db_gateway_http_connections") == 5);

            // Beyond it: closed at once, without an answer.
            for (int i = 0; i < 2; i++) {
                try (RawHttp excess = RawHttp.connect(port)) {
                    excess.send(RawHttp.get("/health"));
                    assertThat(excess.closedByServerWithin(WITHIN)).as("connection beyond the cap").isTrue();
                }
            }
            assertThat(gauge("db_gateway_http_connections_refused_total")).isGreaterThanOrEqualTo(2);

            // The open request is unharmed: its body arrives and it is answered.
            inFlight.send(body.substring(10));
            RawHttp.Answer answer = inFlight.readAnswer();
            assertThat(answer.status()).as(answer.body()).isEqualTo(404);
            assertThat(answer.body()).contains("database_not_found");
            inFlight.close();

            // The silent ones time out (idle), and the port serves again.
            for (RawHttp silent : sockets.subList(1, 5)) assertThat(silent.closedByServerWithin(WITHIN)).isTrue();
            awaitTrue("/health answers again once the silent connections are gone", () -> health(port) == 200);
        } finally {
            sockets.forEach(RawHttp::close);
        }
    }

    private int start(String... settings) {
        Map<String, String> env = new HashMap<>(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0"));
        for (int i = 0; i < settings.length; i += 2) env.put(settings[i], settings[i + 1]);
        GatewayConfig config = ConfigLoader.load(env, null).withBackend(TestBackend.target());
        try {
            app = GatewayApplication.start(config);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return app.httpPort();
    }

    /** GET /health on a fresh connection: its status, or -1 when the connection was closed without an answer. */
    private static int health(int port) {
        try (RawHttp c = RawHttp.connect(port)) {
            if (!c.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return -1;
            return c.readAnswer().status();
        }
    }

    /** A series' value from the gateway's own registry (read in-process: the port may be full). */
    private double gauge(String series) {
        for (String line : app.metrics().scrape().lines().toList()) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).strip());
        }
        return Double.NaN;
    }

    /** /call and /query statements of {@code platform} so far. */
    private double queries(String platform) {
        String prefix = "db_gateway_queries_total{platform=\"" + platform + "\"";
        for (String line : app.metrics().scrape().lines().toList()) {
            if (line.startsWith(prefix)) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).strip());
        }
        return 0;
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        Await.until(WITHIN, condition, what);
    }
}
