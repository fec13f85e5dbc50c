package org.stonescriptdb.gateway.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.Await;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A proxy whose accepting loop and one of its I/O loops are blocked by a task that never returns: the backend is fine,
 * yet /health answers 503 and names exactly the two loops; once they run again, it answers 200 and clients are served.
 */
class BlockedEventLoopHealthTest {

    @Test
    void blockedEventLoopsMakeHealthUnhealthyWithTheReasonUntilTheyRunAgain() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "IO_THREADS", "2"), null)
                .withBackend(TestBackend.target());
        CountDownLatch release = new CountDownLatch(1);
        try (GatewayApplication app = GatewayApplication.start(config)) {
            Http http = new Http(app.httpPort(), null);
            assertThat(awaitHealth(http, r -> r.status() == 200).json().get("proxy_serving").asBoolean()).isTrue();

            CountDownLatch blocked = new CountDownLatch(2);
            block(nth(app.proxy().acceptLoops(), 0), blocked, release);
            block(nth(app.proxy().eventLoops(), 1), blocked, release);
            assertThat(blocked.await(10, TimeUnit.SECONDS)).as("both loops blocked").isTrue();

            // Their last heartbeats were up to a second apart, so one may be reported a little before the other.
            Http.Response unhealthy = awaitHealth(http, r -> r.status() != 200 && r.text().contains("gateway-accept") && r.text().contains("gateway-io"));
            assertThat(unhealthy.status()).as(unhealthy.toString()).isEqualTo(503);
            JsonNode body = unhealthy.json();
            assertThat(body.get("status").asText()).isEqualTo("unhealthy");
            assertThat(body.get("postgres_connected").asBoolean()).as("the backend is fine").isTrue();
            assertThat(body.get("proxy_serving").asBoolean()).isFalse();
            List<String> issues = new ArrayList<>();
            body.get("issues").forEach(i -> issues.add(i.asText()));
            assertThat(issues).hasSize(2);
            assertThat(issues.get(0)).startsWith("gateway-accept event loop 1 of 1 has not run for ").endsWith("(blocked or overloaded)");
            assertThat(issues.get(1)).startsWith("gateway-io event loop 2 of 2 has not run for ").endsWith("(blocked or overloaded)");
            // The liveness probe says the same, without asking PostgreSQL.
            Http.Response live = http.get("/health/live");
            assertThat(live.status()).as(live.toString()).isEqualTo(503);
            assertThat(live.json().get("status").asText()).isEqualTo("not_serving");
            assertThat(live.text()).contains("gateway-io event loop 2 of 2");

            release.countDown();
            Http.Response healthy = awaitHealth(http, r -> r.status() == 200);
            assertThat(healthy.json().get("status").asText()).isEqualTo("healthy");
            assertThat(http.get("/health/live").status()).isEqualTo(200);
            assertThat(http.get("/health/live").json().get("status").asText()).isEqualTo("alive");
            // Accepted and answered again: a database that does not exist is refused by the gateway itself.
            assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort()
                    + "/nosuch_main?user=app&connectTimeout=10&loginTimeout=10&socketTimeout=10").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).as(e.toString()).isEqualTo("3D000"));
        } finally {
            release.countDown();
        }
    }

    private static EventLoop nth(EventLoopGroup group, int index) {
        Iterator<EventExecutor> loops = group.iterator();
        for (int i = 0; i < index; i++) loops.next();
        return (EventLoop) loops.next();
    }

    private static void block(EventLoop loop, CountDownLatch blocked, CountDownLatch release) {
        loop.execute(() -> {
            blocked.countDown();
            awaitQuietly(release);
        });
    }

    private static Http.Response awaitHealth(Http http, Predicate<Http.Response> wanted) {
        AtomicReference<Http.Response> last = new AtomicReference<>();
        Await.until(Duration.ofSeconds(30), () -> wanted.test(last.updateAndGet(previous -> http.get("/health"))),
                () -> "/health to change; last answer: " + last.get());
        return last.get();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
