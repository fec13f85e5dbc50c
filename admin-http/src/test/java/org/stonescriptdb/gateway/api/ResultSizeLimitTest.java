package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /query and /call answer with at most HTTP_MAX_RESULT_BYTES of JSON: a bigger result is refused with
 * {@code result_too_large} naming the limit, without the gateway ever holding the whole result — a platform key
 * holder asking for gigabytes, several times at once, costs the gateway no more than the cap each.
 */
class ResultSizeLimitTest {

    private static final int CAP = 64 * 1024;
    private static final String ADMIN_KEY = "result-admin-key";
    private static final String KEY = "bigapp-key";
    private static GatewayApplication app;
    private static Http admin;
    private static Http platform;

    @BeforeAll
    static void start() {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY,
                "API_KEY_BIGAPP", KEY, "HTTP_MAX_RESULT_BYTES", String.valueOf(CAP)), null).withBackend(TestBackend.target());
        try {
            app = GatewayApplication.start(config);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        admin = new Http(app.httpPort(), ADMIN_KEY);
        platform = admin.withKey(KEY);
        Map<String, String> bundle = new LinkedHashMap<>(Bundles.clinicV1());
        bundle.put("functions/wide_rows.pssql", """
                CREATE OR REPLACE FUNCTION wide_rows(n integer, width integer) RETURNS TABLE (id integer, filler text)
                LANGUAGE sql AS $$ SELECT g, repeat('x', width) FROM generate_series(1, n) g $$;
                """);
        Http.Response registered = admin.postMultipart("/register", Map.of("platform", "bigapp", "schema", Bundles.tarGz(bundle)));
        assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        for (String tenant : List.of("t1", "t2", "t3")) {
            Http.Response created = admin.postJson("/admin/create-tenant", Map.of("platform", "bigapp", "tenant_id", tenant));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void aQueryResultOverTheCapIsRefusedNamingTheLimitAndTheNextRequestIsServed() {
        // About 600 KB of JSON in small rows: the gateway's own count stops it.
        Http.Response big = query("t1", "SELECT g AS id, repeat('x', 100) AS filler FROM generate_series(1, 5000) g");
        assertTooLarge(big, "t1");
        assertThat(query("t1", "SELECT 1 AS one").json().at("/rows/0/one").asInt()).isEqualTo(1);
    }

    @Test
    void aCallResultOverTheCapIsRefusedTheSameWay() {
        Http.Response big = platform.postJson("/call", Map.of("platform", "bigapp", "tenant_id", "t1",
                "function", "wide_rows", "params", List.of(5000, 100)));
        assertTooLarge(big, "t1");
        Http.Response small = platform.postJson("/call", Map.of("platform", "bigapp", "tenant_id", "t1",
                "function", "wide_rows", "params", List.of(3, 10)));
        assertThat(small.status()).as(small.toString()).isEqualTo(200);
        assertThat(small.json().get("row_count").asInt()).isEqualTo(3);
    }

    @Test
    void aResultUnderTheCapIsServedWholeInTheUsualShape() {
        // 300 rows of about 130 bytes each: some 40 KB, under 64 KiB.
        Http.Response r = query("t1", "SELECT g AS id, repeat('y', 100) AS filler, g % 2 = 0 AS even FROM generate_series(1, 300) g");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("row_count").asInt()).isEqualTo(300);
        assertThat(body.get("rows")).hasSize(300);
        assertThat(body.at("/rows/299/id").asInt()).isEqualTo(300);
        assertThat(body.at("/rows/299/even").asBoolean()).isTrue();
        assertThat(body.at("/rows/0/filler").asText()).hasSize(100);
        assertThat(body.has("execution_time_ms")).isTrue();
        // A statement without rows keeps its affected-row count.
        Http.Response ddl = query("t1", "CREATE TABLE IF NOT EXISTS result_cap_probe (x int)");
        assertThat(ddl.status()).as(ddl.toString()).isEqualTo(200);
        assertThat(ddl.json().get("rows")).isEmpty();
        Http.Response insert = query("t1", "INSERT INTO result_cap_probe SELECT generate_series(1, 7)");
        assertThat(insert.json().get("row_count").asInt()).isEqualTo(7);
    }

    @Test
    void theCapCountsTheJsonAsWrittenNotTheRowsAsReceived() {
        // 12,000 control characters are 12 KB from PostgreSQL but 72 KB of JSON escapes (\u0001 each).
        assertTooLarge(query("t1", "SELECT repeat(chr(1), 12000) AS s"), "t1");
        // One value alone over the cap.
        assertTooLarge(query("t1", "SELECT repeat('z', 70000) AS s"), "t1");
    }

    @Test
    void concurrentHugeResultsAreRefusedWithoutBufferingThemAndEveryoneElseIsServed() throws Exception {
        // The report: 2.5 GB per request, three at once, exhausted the heap. Then rows of 20 MB, which a batch of
        // fetched rows would hold many of at once (gigabytes) unless the bytes read from PostgreSQL are bounded too.
        String report = "SELECT repeat('x', 1000000) AS r FROM generate_series(1, 2500)";
        String hugeRows = "SELECT repeat('x', 20000000) AS r FROM generate_series(1, 500)";
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<CompletableFuture<Http.Response>, String> hostile = new LinkedHashMap<>();
            for (int i = 0; i < 3; i++) {
                hostile.put(CompletableFuture.supplyAsync(() -> query("t1", report), clients), "t1");
                hostile.put(CompletableFuture.supplyAsync(() -> query("t2", hugeRows), clients), "t2");
            }
            // A canary on another database and the health probe are answered while those run.
            Http.Response canary = query("t3", "SELECT 41 + 1 AS answer");
            assertThat(canary.status()).as(canary.toString()).isEqualTo(200);
            assertThat(canary.json().at("/rows/0/answer").asInt()).isEqualTo(42);
            assertThat(admin.get("/health").status()).isEqualTo(200);
            for (Map.Entry<CompletableFuture<Http.Response>, String> r : hostile.entrySet()) {
                assertTooLarge(r.getKey().get(), r.getValue());
            }
        }
        // The databases whose connections were cut off are served again.
        for (String tenant : List.of("t1", "t2", "t3")) {
            Http.Response after = query(tenant, "SELECT 7 AS seven");
            assertThat(after.status()).as(tenant + ": " + after).isEqualTo(200);
            assertThat(after.json().at("/rows/0/seven").asInt()).isEqualTo(7);
        }
        assertThat(admin.get("/health").status()).isEqualTo(200);
    }

    private static Http.Response query(String tenant, String sql) {
        return platform.postJson("/query", Map.of("platform", "bigapp", "tenant_id", tenant, "query", sql));
    }

    /** The error shape: status, code, the limit and its setting named, the platform and tenant, no stack trace. */
    private static void assertTooLarge(Http.Response r, String tenant) {
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        JsonNode body = r.json();
        assertThat(body.get("error").asText()).isEqualTo("result_too_large");
        assertThat(body.get("message").asText()).contains(String.valueOf(CAP), "HTTP_MAX_RESULT_BYTES");
        assertThat(body.get("limit_bytes").asLong()).isEqualTo(CAP);
        assertThat(body.get("platform").asText()).isEqualTo("bigapp");
        assertThat(body.get("tenant_id").asText()).isEqualTo(tenant);
        assertThat(r.text()).doesNotContain("Exception", "\tat ");
    }
}
