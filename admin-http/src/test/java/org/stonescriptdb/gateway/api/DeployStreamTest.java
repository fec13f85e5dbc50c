package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.AdminSettings;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.http.Json;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.Await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Accept: application/x-ndjson} on /register, /migrate and /v2/migrate (#14): one line per database as it
 * finishes, then the done line with the answer the request would have had; errors before the deploy as usual; a client
 * that leaves mid-stream changes nothing about the deploy.
 *
 * <p>A tenant is held back by a table lock the test holds (the gateway waits up to two minutes for it), so what the
 * test reads while it holds the lock can only have been streamed while the deploy was still running.
 */
class DeployStreamTest {

    private static final String ADMIN_KEY = "admin-key-for-tests";
    private static GatewayApplication app;
    private static Http admin;
    private static BackendTarget pg;

    @BeforeAll
    static void start() throws Exception {
        pg = TestBackend.target();
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY), null)
                .withBackend(pg);
        app = GatewayApplication.start(config, new AdminSettings(50L * 1024 * 1024, Set.of(), Duration.ofMinutes(2),
                Duration.ofMinutes(5)));
        admin = new Http(app.httpPort(), ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    /** A transaction holding a lock on a tenant's patients table until closed: the deploy's ALTER waits for it. */
    private static final class HeldLock implements AutoCloseable {
        private final Connection c;

        HeldLock(String database) throws Exception {
            c = DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password());
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE patients IN ACCESS SHARE MODE");
            }
        }

        @Override
        public void close() throws Exception {
            c.rollback();
            c.close();
        }
    }

    private static void platformWithTenants(String platform, String... tenants) {
        Http.Response registered = admin.postMultipart("/register", Map.of("platform", platform, "schema", Bundles.tarGz(Bundles.clinicV1())));
        assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        for (String tenant : tenants) {
            Http.Response created = admin.postJson("/admin/create-tenant", Map.of("platform", platform, "tenant_id", tenant));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
    }

    private static String one(String database, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean hasEmail(String database) throws Exception {
        return one(database, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'patients' AND column_name = 'email'").equals("1");
    }

    /** A database line without its event field: what the report says of that database. */
    private static JsonNode result(JsonNode line) {
        ObjectNode copy = line.deepCopy();
        copy.remove("event");
        return copy;
    }

    private static JsonNode reportEntry(JsonNode databases, String database) {
        for (JsonNode d : databases) if (d.get("database").asText().equals(database)) return d;
        throw new AssertionError(database + " not in " + databases);
    }

    @Test
    void migrateStreamsEachDatabaseAsItFinishesThenTheWholeReport() throws Exception {
        platformWithTenants("ndjmig", "t1", "t2");
        Http.Streamed stream;
        JsonNode first;
        try (HeldLock held = new HeldLock("ndjmig_t2")) {
            stream = admin.stream(admin.multipart("/migrate", Map.of("platform", "ndjmig", "schema", Bundles.tarGz(Bundles.clinicV2()))));
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.contentType()).isEqualTo("application/x-ndjson");
            // Read while ndjmig_t2 cannot finish: main's line was streamed before the deploy ended.
            first = stream.next();
            assertThat(first.get("event").asText()).isEqualTo("database");
            assertThat(first.get("database").asText()).as("main first, the canary").isEqualTo("ndjmig_main");
            assertThat(first.get("status").asText()).isEqualTo("applied");
        }
        List<JsonNode> rest = stream.rest();
        stream.close();
        List<JsonNode> lines = new ArrayList<>();
        lines.add(first);
        lines.addAll(rest);
        assertThat(lines).hasSize(4);
        JsonNode done = lines.getLast();
        assertThat(done.get("event").asText()).isEqualTo("done");
        assertThat(done.get("http_status").asInt()).isEqualTo(200);
        assertThat(done.get("platform").asText()).isEqualTo("ndjmig");
        assertThat(done.get("applied").asInt()).isEqualTo(3);
        assertThat(done.get("deployment_id").asText()).isEqualTo(first.get("deployment_id").asText());
        assertThat(done.get("schema_version").asInt()).isEqualTo(2);
        List<JsonNode> databaseLines = lines.subList(0, 3);
        assertThat(databaseLines).extracting(l -> l.get("database").asText())
                .containsExactlyInAnyOrder("ndjmig_main", "ndjmig_t1", "ndjmig_t2");
        for (JsonNode line : databaseLines) {
            assertThat(line.get("event").asText()).isEqualTo("database");
            assertThat(result(line)).isEqualTo(reportEntry(done.get("databases"), line.get("database").asText()));
        }
        assertThat(hasEmail("ndjmig_t2")).isTrue();

        // Without the Accept header, the same request is answered as always: one JSON document.
        Http.Response plain = admin.postMultipart("/migrate", Map.of("platform", "ndjmig", "schema", Bundles.tarGz(Bundles.clinicV2())));
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.json().get("unchanged").asInt()).isEqualTo(3);
        assertThat(plain.json().has("event")).isFalse();
    }

    @Test
    void aRegisterWhoseMainIsBlockedStreamsTheSkippedTenantsAndEndsWithThe422ItWouldHaveAnswered() throws Exception {
        platformWithTenants("ndjreg", "t1", "t2");
        Http.Response unstreamed = admin.postMultipart("/register", Map.of("platform", "ndjreg", "schema", Bundles.tarGz(Bundles.clinicV3())));
        assertThat(unstreamed.status()).isEqualTo(422);

        List<JsonNode> lines;
        try (Http.Streamed stream = admin.stream(admin.multipart("/register", Map.of("platform", "ndjreg", "schema", Bundles.tarGz(Bundles.clinicV3()))))) {
            assertThat(stream.status()).isEqualTo(200);
            lines = stream.rest();
        }

        assertThat(lines).extracting(l -> l.get("event").asText()).containsExactly("database", "database", "database", "done");
        assertThat(lines.get(0).get("database").asText()).isEqualTo("ndjreg_main");
        assertThat(lines.get(0).get("status").asText()).isEqualTo("blocked");
        assertThat(lines.subList(1, 3)).allSatisfy(l -> assertThat(l.get("status").asText()).isEqualTo("skipped"));
        JsonNode done = lines.getLast();
        assertThat(done.get("http_status").asInt()).isEqualTo(422);
        JsonNode expected = unstreamed.json();
        assertThat(done.get("error").asText()).isEqualTo(expected.get("error").asText()).isEqualTo("schema_validation_failed");
        assertThat(done.get("message").asText()).isEqualTo(expected.get("message").asText());
        assertThat(done.at("/report/database").asText()).isEqualTo("ndjreg_main");
        assertThat(done.at("/report/status").asText()).isEqualTo("blocked");
    }

    @Test
    void aV2MigrateStreamsToo() throws Exception {
        assertThat(admin.postJson("/platform/register", Map.of("platform", "ndjvtwo")).status()).isEqualTo(201);
        assertThat(admin.postMultipart("/platform/ndjvtwo/schema", Map.of("schema_name", "tenant",
                "schema", Bundles.tarGz(Bundles.clinicV1()))).status()).isEqualTo(201);
        for (String t : List.of("s1", "s2")) {
            Http.Response created = admin.postJson("/database/create", Map.of("platform", "ndjvtwo", "schema_name", "tenant", "tenant_id", t));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
        assertThat(admin.postMultipart("/platform/ndjvtwo/schema", Map.of("schema_name", "tenant",
                "schema", Bundles.tarGz(Bundles.clinicV2()))).status()).isEqualTo(201);

        List<JsonNode> lines;
        try (Http.Streamed stream = admin.stream(admin.json("/v2/migrate", Map.of("platform", "ndjvtwo", "schema_name", "tenant")))) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.contentType()).isEqualTo("application/x-ndjson");
            lines = stream.rest();
        }

        assertThat(lines).hasSize(3);
        assertThat(lines.subList(0, 2)).extracting(l -> l.get("database").asText()).containsExactlyInAnyOrder("ndjvtwo_s1", "ndjvtwo_s2");
        JsonNode done = lines.getLast();
        assertThat(done.get("event").asText()).isEqualTo("done");
        assertThat(done.get("http_status").asInt()).isEqualTo(200);
        assertThat(done.get("applied").asInt()).isEqualTo(2);
        // Without a canary, still one deployment: every line carries the report's id.
        assertThat(lines.subList(0, 2)).allSatisfy(l -> assertThat(l.get("deployment_id").asText()).isEqualTo(done.get("deployment_id").asText()));
    }

    @Test
    void errorsFoundBeforeTheDeployAreAnsweredAsUsualNotStreamed() throws Exception {
        platformWithTenants("ndjerr", "t1");
        byte[] v2 = Bundles.tarGz(Bundles.clinicV2());

        try (Http.Streamed noKey = admin.withKey(null).stream(admin.withKey(null).multipart("/migrate", Map.of("platform", "ndjerr", "schema", v2)))) {
            assertThat(noKey.status()).isEqualTo(401);
            assertThat(noKey.contentType()).isEqualTo("application/json");
            assertThat(noKey.next().get("error").asText()).isEqualTo("unauthorized");
        }
        try (Http.Streamed wrongKey = admin.withKey("wrong").stream(admin.withKey("wrong").multipart("/migrate", Map.of("platform", "ndjerr", "schema", v2)))) {
            assertThat(wrongKey.status()).isEqualTo(403);
        }
        try (Http.Streamed badBundle = admin.stream(admin.multipart("/migrate", Map.of("platform", "ndjerr", "schema", "not a tar.gz".getBytes(StandardCharsets.UTF_8))))) {
            assertThat(badBundle.status()).isEqualTo(400);
            assertThat(badBundle.contentType()).isEqualTo("application/json");
            assertThat(badBundle.next().get("error").asText()).isEqualTo("invalid_bundle");
        }
        try (Http.Streamed unknown = admin.stream(admin.multipart("/migrate", Map.of("platform", "ndjnone", "schema", v2)))) {
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.next().get("error").asText()).isEqualTo("platform_not_found");
        }
        try (Http.Streamed unknownV2 = admin.stream(admin.json("/v2/migrate", Map.of("platform", "ndjnone", "schema_name", "tenant")))) {
            assertThat(unknownV2.status()).isEqualTo(404);
        }
        // Another deploy of the platform holds its lock (here: the test, through the control database).
        try (Connection control = DriverManager.getConnection(pg.jdbcUrl("stonescriptdb_gateway"), pg.user(), pg.password());
             Statement s = control.createStatement()) {
            s.execute("SELECT pg_advisory_lock(hashtext('stonescriptdb_gateway'), hashtext('ndjerr'))");
            try (Http.Streamed locked = admin.stream(admin.multipart("/migrate", Map.of("platform", "ndjerr", "schema", v2)))) {
                assertThat(locked.status()).isEqualTo(409);
                assertThat(locked.contentType()).isEqualTo("application/json");
                assertThat(locked.next().get("error").asText()).isEqualTo("platform_locked");
            }
            s.execute("SELECT pg_advisory_unlock(hashtext('stonescriptdb_gateway'), hashtext('ndjerr'))");
        }
        assertThat(hasEmail("ndjerr_t1")).as("nothing was deployed").isFalse();
    }

    @Test
    void aClientThatLeavesInTheMiddleOfTheStreamDoesNotStopOrBreakTheDeploy() throws Exception {
        platformWithTenants("ndjgone", "t1", "t2", "t3");
        Http.MultipartBody body = Http.multipartBody(Map.of("platform", "ndjgone", "schema", Bundles.tarGz(Bundles.clinicV2())));
        String deploymentId;
        try (HeldLock held = new HeldLock("ndjgone_t2")) {
            try (Socket socket = new Socket("127.0.0.1", app.httpPort())) {
                socket.setSoTimeout((int) Duration.ofMinutes(1).toMillis());
                OutputStream out = socket.getOutputStream();
                out.write(("POST /migrate HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ADMIN_KEY + "\r\nAccept: application/x-ndjson\r\n"
                        + "Content-Type: " + body.contentType() + "\r\nContent-Length: " + body.bytes().length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(body.bytes());
                out.flush();
                // Read until main's line has arrived, then leave while ndjgone_t2 is still waiting for its lock.
                String received = readLineWith(socket.getInputStream(), "\"event\":\"database\"");
                assertThat(received).startsWith("HTTP/1.1 200").contains("application/x-ndjson").contains("\"database\":\"ndjgone_main\"");
                int at = received.indexOf("\"deployment_id\":\"") + "\"deployment_id\":\"".length();
                deploymentId = received.substring(at, received.indexOf('"', at));
            }
        }
        // The lock is gone, the client too: the deploy finishes and records every database.
        awaitRecorded(deploymentId, 4);
        assertThat(one("stonescriptdb_gateway", "SELECT string_agg(status, ',' ORDER BY database) FROM deployments WHERE deployment_id = '"
                + deploymentId + "'")).isEqualTo("applied,applied,applied,applied");
        for (String db : List.of("ndjgone_main", "ndjgone_t1", "ndjgone_t2", "ndjgone_t3")) assertThat(hasEmail(db)).as(db).isTrue();

        // And the gateway answers the next deploy of the platform (once the first has let go of its lock).
        Http.Response again = awaitNotLocked(() -> admin.postMultipart("/migrate", Map.of("platform", "ndjgone", "schema", Bundles.tarGz(Bundles.clinicV2()))));
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.json().get("unchanged").asInt()).isEqualTo(4);
    }

    /** Everything received up to the end of the first line holding {@code marker} (a line may arrive in pieces). */
    private static String readLineWith(InputStream in, String marker) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!wholeLineWith(seen.toString(StandardCharsets.UTF_8), marker)) {
            int n = in.read(buffer);
            if (n < 0) throw new AssertionError("the answer ended before " + marker + ": " + seen.toString(StandardCharsets.UTF_8));
            seen.write(buffer, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    private static boolean wholeLineWith(String text, String marker) {
        int at = text.indexOf(marker);
        return at >= 0 && text.indexOf('\n', at) > 0;
    }

    /** Waits, on the condition and not a sleep's length, until a deployment has its rows in the history. */
    private static void awaitRecorded(String deploymentId, int rows) {
        Await.until(Duration.ofMinutes(2), () -> {
            try {
                return Integer.parseInt(one("stonescriptdb_gateway", "SELECT count(*) FROM deployments WHERE deployment_id = '" + deploymentId + "'")) >= rows;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "deployment " + deploymentId + " to be recorded");
    }

    /** The request's answer once it is not 409 (another deploy holds the platform), or the 409 after two minutes. */
    private static Http.Response awaitNotLocked(java.util.function.Supplier<Http.Response> request) {
        java.util.concurrent.atomic.AtomicReference<Http.Response> last = new java.util.concurrent.atomic.AtomicReference<>();
        Await.within(Duration.ofMinutes(2), () -> last.updateAndGet(previous -> request.get()).status() != 409);
        return last.get();
    }
}
