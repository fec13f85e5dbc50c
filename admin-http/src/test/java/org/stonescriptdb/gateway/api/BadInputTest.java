package org.stonescriptdb.gateway.api;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stonescriptdb.gateway.app.AdminSettings;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;

import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every bad input answered with its status and error code in the seed's shape — and nothing changed by any of them. */
class BadInputTest {

    private static final String ADMIN_KEY = "bad-input-admin-key";
    private static final String PLATFORM_KEY = "bad-input-badapp-key";
    private static final String OTHER_KEY = "bad-input-otherapp-key";
    private static final byte[] V1 = Bundles.tarGz(Bundles.clinicV1());
    /** Over the 1 MB limits of uploads and JSON bodies set below. */
    private static final byte[] BIG = "x".repeat(1536 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static GatewayApplication app;
    private static Http admin;
    private static Http platform;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY,
                "API_KEY_BADAPP", PLATFORM_KEY, "API_KEY_OTHERAPP", OTHER_KEY), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config, new AdminSettings(1024 * 1024));
        admin = new Http(app.httpPort(), ADMIN_KEY);
        platform = new Http(app.httpPort(), PLATFORM_KEY);
        expect(admin.postMultipart("/register", Map.of("platform", "badapp", "schema", Bundles.tarGz(Bundles.clinicV1()))), 200, null);
        expect(admin.postJson("/admin/create-tenant", Map.of("platform", "badapp", "tenant_id", "t1")), 201, null);
        expect(admin.postMultipart("/register", Map.of("platform", "otherapp", "schema", Bundles.tarGz(Bundles.clinicV1()))), 200, null);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("missingOrWrongKeys")
    void aMissingOrWrongKeyIsRefusedAndChangesNothing(BadRequest request) {
        expectAnsweredAndNothingChanged(request);
    }

    static Stream<BadRequest> missingOrWrongKeys() {
        return Stream.of(
                bad("register without a key", () -> anonymous().postMultipart("/register", Map.of("platform", "badapp", "schema", V1)), 401, "unauthorized"),
                bad("migrate with a wrong key", () -> admin.withKey("wrong").postMultipart("/migrate", Map.of("platform", "badapp", "schema", V1)), 403, "forbidden"),
                bad("platforms without a key", () -> anonymous().get("/platforms"), 401, "unauthorized"),
                bad("admin databases with a platform key", () -> platform.get("/admin/databases?platform=badapp"), 403, "forbidden"),
                bad("call without a key", () -> anonymous().postJson("/call", call("t1", "count_patients", List.of())), 401, "unauthorized"),
                bad("call with another platform's key", () -> admin.withKey(OTHER_KEY).postJson("/call", call("t1", "count_patients", List.of())), 403, "forbidden"),
                bad("query with another platform's key", () -> admin.withKey(OTHER_KEY).postJson("/query", Map.of("platform", "badapp", "query", "SELECT 1")), 403, "forbidden"),
                bad("call on another platform", () -> platform.postJson("/call", Map.of("platform", "otherapp", "function", "count_patients")), 403, "forbidden"),
                bad("drop tenant without a key", () -> anonymous().delete("/admin/tenant/badapp/t1?confirm=badapp_t1"), 401, "unauthorized"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequestsAndNames")
    void aMalformedRequestOrNameIs400AndChangesNothing(BadRequest request) {
        expectAnsweredAndNothingChanged(request);
    }

    static Stream<BadRequest> malformedRequestsAndNames() {
        return Stream.of(
                bad("register an upper-case platform name", () -> admin.postMultipart("/register", Map.of("platform", "Bad_Name", "schema", V1)), 400, "invalid_name"),
                bad("register the gateway's own name", () -> admin.postMultipart("/register", Map.of("platform", "stonescriptdb", "schema", V1)), 400, "invalid_name"),
                bad("register without a platform", () -> admin.postMultipart("/register", Map.of("schema", V1)), 400, "bad_request"),
                bad("register without a schema", () -> admin.postMultipart("/register", Map.of("platform", "newapp")), 400, "bad_request"),
                bad("register a schema that is not a file", () -> admin.postMultipart("/register", Map.of("platform", "newapp", "schema", "not a file")), 400, "bad_request"),
                bad("register a schema that is not gzip", () -> admin.postMultipart("/register", Map.of("platform", "newapp", "schema", "not gzip".getBytes())), 400, "invalid_bundle"),
                bad("register a bundle with a file outside its folders", () -> admin.postMultipart("/register", Map.of("platform", "newapp", "schema",
                        Bundles.tarGz(Map.of("scripts/evil.sql", "DROP DATABASE x;")))), 400, "invalid_bundle"),
                bad("register with force neither true nor false", () -> admin.postMultipart("/register", Map.of("platform", "newapp", "schema", V1, "force", "maybe")), 400, "bad_request"),
                bad("register as JSON", () -> admin.postJson("/register", Map.of("platform", "newapp")), 400, "bad_request"),
                bad("create tenant with a body that is not JSON", () -> admin.postJson("/admin/create-tenant", "{not json"), 400, "bad_request"),
                bad("create tenant with a JSON array", () -> admin.postJson("/admin/create-tenant", "[1, 2]"), 400, "bad_request"),
                bad("create tenant without a tenant_id", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "badapp")), 400, "bad_request"),
                bad("create tenant named main", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "badapp", "tenant_id", "main")), 400, "invalid_name"),
                bad("create tenant with SQL in its name", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "badapp", "tenant_id", "T-1; DROP")), 400, "invalid_name"),
                bad("create tenant with a number for tenant_id", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "badapp", "tenant_id", 7)), 400, "bad_request"),
                bad("create tenant from template postgres", () -> admin.postJson("/admin/create-tenant",
                        Map.of("platform", "badapp", "tenant_id", "t9", "template", "postgres")), 400, "invalid_name"),
                bad("call a function name with SQL in it", () -> platform.postJson("/call", call("t1", "count_patients(); DROP TABLE patients; --", List.of())), 400, "invalid_name"),
                bad("call with params a string", () -> platform.postJson("/call", call("t1", "count_patients", "oops")), 400, "bad_request"),
                bad("call with a quote in a parameter name", () -> platform.postJson("/call", call("t1", "add_patient", Map.of("p_name\"", "x"))), 400, "invalid_name"),
                bad("query with two statements", () -> platform.postJson("/query", Map.of("platform", "badapp", "tenant_id", "t1",
                        "query", "SELECT 1; DROP TABLE patients")), 400, "bad_request"),
                bad("query with a parameter missing", () -> platform.postJson("/query", Map.of("platform", "badapp", "tenant_id", "t1",
                        "query", "SELECT * FROM patients WHERE id = $2", "params", List.of(1))), 400, "bad_request"),
                bad("query that fails", () -> platform.postJson("/query", Map.of("platform", "badapp", "tenant_id", "t1",
                        "query", "SELECT FROM nowhere_at_all")), 400, "query_failed"),
                bad("query that is blank", () -> platform.postJson("/query", Map.of("platform", "badapp", "tenant_id", "t1", "query", "   ")), 400, "bad_request"),
                bad("drop tenant without confirm", () -> admin.delete("/admin/tenant/badapp/t1"), 400, "confirmation_required"),
                bad("drop tenant confirming another database", () -> admin.delete("/admin/tenant/badapp/t1?confirm=badapp_t2"), 400, "confirmation_required"),
                bad("drop the main database", () -> admin.delete("/admin/tenant/badapp/main?confirm=badapp_main"), 400, "invalid_name"),
                bad("store a schema with a space in its name", () -> admin.postMultipart("/platform/badapp/schema",
                        Map.of("schema_name", "Bad Name", "schema", V1)), 400, "invalid_name"),
                bad("v2 migrate with databases a string", () -> admin.postJson("/v2/migrate",
                        Map.of("platform", "badapp", "schema_name", "default", "databases", "badapp_t1")), 400, "bad_request"),
                bad("v2 migrate another platform's database", () -> admin.postJson("/v2/migrate",
                        Map.of("platform", "badapp", "schema_name", "default", "databases", List.of("otherapp_main"))), 400, "bad_request"),
                bad("admin databases without a platform", () -> admin.get("/admin/databases"), 400, "bad_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownTargets")
    void anUnknownPlatformDatabaseFunctionSchemaTemplateOrPathIs404AndChangesNothing(BadRequest request) {
        expectAnsweredAndNothingChanged(request);
    }

    static Stream<BadRequest> unknownTargets() {
        return Stream.of(
                bad("migrate an unknown platform", () -> admin.postMultipart("/migrate", Map.of("platform", "nosuchapp", "schema", V1)), 404, "platform_not_found"),
                bad("databases of an unknown platform", () -> admin.get("/admin/databases?platform=nosuchapp"), 404, "platform_not_found"),
                bad("create tenant on an unknown platform", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "nosuchapp", "tenant_id", "t1")), 404, "platform_not_found"),
                bad("create tenant from an unknown template", () -> admin.postJson("/admin/create-tenant",
                        Map.of("platform", "badapp", "tenant_id", "t9", "template", "badapp_nothere")), 404, "template_not_found"),
                bad("call version()", () -> platform.postJson("/call", call("t1", "version", List.of())), 404, "function_not_found"),
                bad("call pg_catalog.pg_sleep", () -> platform.postJson("/call", call("t1", "pg_catalog.pg_sleep", List.of(1))), 404, "function_not_found"),
                bad("call an unknown function", () -> platform.postJson("/call", call("t1", "no_such_function", List.of())), 404, "function_not_found"),
                bad("drop an unknown tenant", () -> admin.delete("/admin/tenant/badapp/t404?confirm=badapp_t404"), 404, "database_not_found"),
                bad("schemas of an unknown platform", () -> admin.get("/platform/nosuchapp/schemas"), 404, "platform_not_found"),
                bad("databases of an unknown platform, v2", () -> admin.get("/platform/nosuchapp/databases"), 404, "platform_not_found"),
                bad("store a schema on an unknown platform", () -> admin.postMultipart("/platform/nosuchapp/schema",
                        Map.of("schema_name", "tenant", "schema", V1)), 404, "platform_not_found"),
                bad("create a database from an unknown schema", () -> admin.postJson("/database/create",
                        Map.of("platform", "badapp", "schema_name", "nothere", "tenant_id", "t9")), 404, "schema_not_found"),
                bad("v2 migrate an unknown schema", () -> admin.postJson("/v2/migrate", Map.of("platform", "badapp", "schema_name", "nothere")), 404, "schema_not_found"),
                bad("v2 migrate an unknown database", () -> admin.postJson("/v2/migrate",
                        Map.of("platform", "badapp", "schema_name", "default", "databases", List.of("badapp_t404"))), 404, "database_not_found"),
                bad("an unknown path", () -> admin.get("/no/such/endpoint"), 404, "not_found"),
                bad("PUT on /register", () -> admin.send(admin.request("/register").PUT(HttpRequest.BodyPublishers.noBody())), 405, "method_not_allowed"));
    }

    @Test
    void callingAnUnknownTenantIs404NamingThePlatformAndTenant() {
        String before = state();
        Http.Response noDb = platform.postJson("/call", call("t404", "count_patients", List.of()));
        expect(noDb, 404, "database_not_found");
        assertThat(noDb.json().get("platform").asText()).isEqualTo("badapp");
        assertThat(noDb.json().get("tenant_id").asText()).isEqualTo("t404");
        assertThat(state()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("existingTargets")
    void creatingWhatExistsIs409AndChangesNothing(BadRequest request) {
        expectAnsweredAndNothingChanged(request);
    }

    static Stream<BadRequest> existingTargets() {
        return Stream.of(
                bad("create an existing tenant", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "badapp", "tenant_id", "t1")), 409, "database_exists"),
                bad("create an existing database from a stored schema", () -> admin.postJson("/database/create",
                        Map.of("platform", "badapp", "schema_name", "default", "tenant_id", "t1")), 409, "database_exists"),
                bad("register an existing platform", () -> admin.postJson("/platform/register", Map.of("platform", "badapp")), 409, "platform_exists"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changesToALockedPlatform")
    void changingAPlatformLockedByAnotherDeployIs409AndChangesNothing(BadRequest request) throws Exception {
        BackendTarget pg = TestBackend.target();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("stonescriptdb_gateway"), pg.user(), pg.password());
             Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(hashtext('stonescriptdb_gateway'), hashtext('badapp'))");
            try {
                expectAnsweredAndNothingChanged(request);
            } finally {
                // Unlocked here, not by closing the session: a closed session's locks go only once its backend has
                // exited, a moment later, and the next test would find the platform still locked.
                s.execute("SELECT pg_advisory_unlock(hashtext('stonescriptdb_gateway'), hashtext('badapp'))");
            }
        }
    }

    static Stream<BadRequest> changesToALockedPlatform() {
        return Stream.of(
                bad("create tenant", () -> admin.postJson("/admin/create-tenant", Map.of("platform", "badapp", "tenant_id", "t9")), 409, "platform_locked"),
                bad("migrate", () -> admin.postMultipart("/migrate", Map.of("platform", "badapp", "schema", V1)), 409, "platform_locked"),
                bad("drop tenant", () -> admin.delete("/admin/tenant/badapp/t1?confirm=badapp_t1"), 409, "platform_locked"));
    }

    /** Repeated: each refusal must reach the client whole, and the next request must find a working connection. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bodiesOverTheLimits")
    void aBodyOverTheLimitIs413EveryTimeAndChangesNothing(BadRequest request) {
        for (int round = 0; round < 3; round++) expectAnsweredAndNothingChanged(request);
    }

    /** 1 MB uploads here, 1 MB JSON. */
    static Stream<BadRequest> bodiesOverTheLimits() {
        return Stream.of(
                bad("a register upload", () -> admin.postMultipart("/register", Map.of("platform", "badapp", "schema", BIG)), 413, "payload_too_large"),
                bad("a chunked register upload", () -> admin.postMultipart("/register", Map.of("platform", "badapp", "schema", BIG), true), 413, "payload_too_large"),
                bad("a call", () -> platform.postJson("/call", new HashMap<>(call("t1", "add_patient", List.of(new String(BIG))))), 413, "payload_too_large"),
                bad("a streamed query", () -> platform.send(platform.request("/query").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(BIG)))), 413, "payload_too_large"));
    }

    @Test
    void aChunkedUploadUnderTheLimitIsFine() {
        String before = state();
        assertThat(admin.postMultipart("/register", Map.of("platform", "badapp", "schema", V1), true).status())
                .as("a chunked upload under the limit is fine").isEqualTo(200);
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void aBundleWhoseDeployFailsIs422AndLeavesNoDatabaseBehind() {
        String before = state();
        Map<String, String> broken = new LinkedHashMap<>(Bundles.clinicV1());
        broken.put("functions/broken.pssql", "CREATE FUNCTION broken() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM no_such_table $$;");
        Http.Response failed = admin.postMultipart("/register", Map.of("platform", "failapp", "schema", Bundles.tarGz(broken)));
        expect(failed, 422, "deployment_failed");
        assertThat(failed.json().at("/report/failure/file").asText()).isEqualTo("functions/broken.pssql");
        expect(admin.get("/admin/databases?platform=failapp"), 404, "platform_not_found");
        assertThat(state()).isEqualTo(before);
    }

    /** The control case for the refusals of /database/create above: with a stored schema that exists, it deploys. */
    @Test
    void aDatabaseFromTheStoredSchemaIsCreated() {
        String before = state();
        Http.Response created = admin.postJson("/database/create", Map.of("platform", "badapp", "schema_name", "default", "tenant_id", "t9"));
        assertThat(created.status()).as("a stored schema deploys: control case").isEqualTo(201);
        expect(admin.delete("/admin/tenant/badapp/t9?confirm=badapp_t9"), 200, null);
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void aTemplateOfAnotherPlatformIsRefusedBeforeAnythingIsClosedOrCreated() throws Exception {
        // A wire client of otherapp_main: the proxy keeps its backend in the pool between transactions, so the same
        // backend pid before and after shows that the template's pools were not closed.
        try (Connection wire = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/otherapp_main?user=app")) {
            int pid = backendPid(wire);
            Http.Response refused = admin.postJson("/admin/create-tenant",
                    Map.of("platform", "badapp", "tenant_id", "t8", "template", "otherapp_main"));
            expect(refused, 400, "invalid_template");
            assertThat(refused.json().get("message").asText()).contains("badapp", "otherapp");
            assertThat(refused.json().get("platform").asText()).isEqualTo("badapp");
            assertThat(refused.json().get("tenant_id").asText()).isEqualTo("t8");
            assertThat(backendPid(wire)).as("the template's proxy pool was left alone").isEqualTo(pid);
        }
        assertThat(admin.get("/admin/databases?platform=badapp").text()).doesNotContain("badapp_t8");
    }

    @Test
    void aPlatformWithoutAKeyOfItsOwnNeedsTheAdminKeyForCallAndQuery() {
        expect(admin.postMultipart("/register", Map.of("platform", "keylessapp", "schema", Bundles.tarGz(Bundles.clinicV1()))), 200, null);
        Map<String, Object> call = Map.of("platform", "keylessapp", "function", "count_patients", "params", List.of());
        Map<String, Object> query = Map.of("platform", "keylessapp", "query", "SELECT 1 AS one");
        for (String path : List.of("/call", "/query")) {
            Map<String, Object> body = path.equals("/call") ? call : query;
            Http.Response missing = admin.withKey(null).postJson(path, body);
            expect(missing, 401, "unauthorized");
            assertThat(missing.json().get("message").asText()).contains("API_KEY_ADMIN");
            assertThat(missing.json().get("platform").asText()).isEqualTo("keylessapp");
            expect(platform.postJson(path, body), 403, "forbidden");
            expect(admin.postJson(path, body), 200, null);
        }
    }

    private static int backendPid(Connection c) throws Exception {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void clientsOutsideAllowedNetworksAreRefused() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "ALLOWED_NETWORKS", "10.9.8.0/24"), null)
                .withBackend(TestBackend.target());
        try (GatewayApplication outside = GatewayApplication.start(config)) {
            Http http = new Http(outside.httpPort(), null);
            for (Http.Response r : List.of(http.get("/health"), http.get("/metrics"), http.get("/no/such/path"),
                    http.postJson("/call", call("t1", "count_patients", List.of())))) {
                expect(r, 403, "forbidden");
                assertThat(r.json().get("message").asText()).contains("127.0.0.1");
            }
        }
    }

    @Test
    void anUnreachableBackendIs503() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "CONNECTION_TIMEOUT_SECS", "1",
                "DATABASE_URL", "postgres://postgres@127.0.0.1:" + closed + "/postgres"), null);
        try (GatewayApplication down = GatewayApplication.start(config)) {
            Http http = new Http(down.httpPort(), null);
            expect(http.get("/admin/databases?platform=badapp"), 503, "backend_unavailable");
            expect(http.postJson("/call", call("t1", "count_patients", List.of())), 503, "backend_unavailable");
            expect(http.get("/platforms"), 503, "backend_unavailable");
            assertThat(http.get("/health").status()).isEqualTo(503);
        }
    }

    /** One bad request: what it is, how to send it, and the answer it must get. */
    record BadRequest(String what, Supplier<Http.Response> send, int status, String error) {
        @Override
        public String toString() {
            return what + ": " + status + " " + error;
        }
    }

    private static BadRequest bad(String what, Supplier<Http.Response> send, int status, String error) {
        return new BadRequest(what, send, status, error);
    }

    private static Http anonymous() {
        return admin.withKey(null);
    }

    /** The request gets its status and error code, and {@link #state()} is the same after it as before. */
    private static void expectAnsweredAndNothingChanged(BadRequest request) {
        String before = state();
        expect(request.send().get(), request.status(), request.error());
        assertThat(state()).as("what is there after " + request.what()).isEqualTo(before);
    }

    /** What a bad request could have changed: databases, registry entries, stored schemas, rows. */
    private static String state() {
        return admin.get("/admin/databases?platform=badapp").text() + admin.get("/platforms").text()
                + admin.get("/platform/badapp/schemas").text() + admin.get("/platform/badapp/databases").text()
                + platform.postJson("/call", call("t1", "count_patients", List.of())).json().get("rows");
    }

    private static Map<String, Object> call(String tenant, String function, Object params) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", "badapp");
        body.put("tenant_id", tenant);
        body.put("function", function);
        body.put("params", params);
        return body;
    }

    private static void expect(Http.Response r, int status, String error) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        if (error == null) return;
        assertThat(r.json().get("error").asText()).as(r.toString()).isEqualTo(error);
        assertThat(r.json().get("message").asText()).isNotBlank();
        assertThat(r.text()).doesNotContain(ADMIN_KEY, PLATFORM_KEY, OTHER_KEY, "Exception", "\tat ");
    }
}
