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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole life of a platform over HTTP against a running gateway on a real PostgreSQL: register a v1 bundle,
 * three tenants, calls in each, a v2 migrate with a per-tenant report, a dry run, a blocked data-loss change then
 * force, the listings, the metrics, and dropping a tenant.
 */
class PlatformLifecycleTest {

    private static final String ADMIN_KEY = "admin-key-for-tests";
    private static final String PLATFORM_KEY = "clinicapp-key-for-tests";
    private static GatewayApplication app;
    private static Http admin;
    private static Http platform;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0",
                "API_KEY_ADMIN", ADMIN_KEY, "API_KEY_CLINICAPP", PLATFORM_KEY), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config);
        admin = new Http(app.httpPort(), ADMIN_KEY);
        platform = new Http(app.httpPort(), PLATFORM_KEY);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void wholeLifeOfAPlatform() {
        // Register: main database created, bundle deployed, stored as version 1.
        Http.Response registered = admin.postMultipart("/register", Map.of("platform", "clinicapp", "schema", Bundles.tarGz(Bundles.clinicV1())));
        assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        JsonNode r = registered.json();
        assertThat(r.get("status").asText()).isEqualTo("ready");
        assertThat(r.get("database").asText()).isEqualTo("clinicapp_main");
        assertThat(r.get("created").asBoolean()).isTrue();
        assertThat(r.get("schema_version").asInt()).isEqualTo(1);
        assertThat(r.at("/deployment/status").asText()).isEqualTo("applied");
        // Registering the same bundle again (a container restart) changes nothing.
        JsonNode again = admin.postMultipart("/register", Map.of("platform", "clinicapp", "schema", Bundles.tarGz(Bundles.clinicV1()))).json();
        assertThat(again.at("/deployment/status").asText()).isEqualTo("unchanged");
        assertThat(again.get("created").asBoolean()).isFalse();
        assertThat(again.get("schema_version").asInt()).isEqualTo(1);

        // Three tenants, one through the seed's alias; each gets the stored schema.
        for (String tenant : List.of("clinic_001", "clinic_002", "clinic_003")) {
            String path = tenant.equals("clinic_002") ? "/admin/create-tenant-db" : "/admin/create-tenant";
            Http.Response created = admin.postJson(path, Map.of("platform", "clinicapp", "tenant_id", tenant));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            assertThat(created.json().get("database").asText()).isEqualTo("clinicapp_" + tenant);
            assertThat(created.json().get("created").asBoolean()).isTrue();
            assertThat(created.json().at("/deployment/status").asText()).isEqualTo("applied");
        }

        // Calls in each tenant: positional and named arguments, rows with native JSON types.
        int n = 0;
        for (String tenant : List.of("clinic_001", "clinic_002", "clinic_003")) {
            n++;
            for (int i = 0; i < n; i++) {
                Object params = i % 2 == 0 ? List.of("Patient " + i, "555-0" + i) : Map.of("p_name", "Patient " + i);
                Http.Response added = platform.postJson("/call", call(tenant, "add_patient", params));
                assertThat(added.status()).as(added.toString()).isEqualTo(200);
                assertThat(added.json().at("/rows/0/add_patient").isInt()).isTrue();
            }
            JsonNode count = platform.postJson("/call", call(tenant, "count_patients", List.of())).json();
            assertThat(count.get("rows").get(0).get("count_patients").asLong()).isEqualTo(n);
            assertThat(count.get("rows").get(0).get("count_patients").isNumber()).isTrue();
            assertThat(count.get("row_count").asInt()).isEqualTo(1);
            assertThat(count.has("execution_time_ms")).isTrue();
        }
        JsonNode rows = platform.postJson("/call", call("clinic_001", "get_patients", null)).json().get("rows");
        assertThat(rows).hasSize(1);
        JsonNode first = rows.get(0);
        assertThat(first.get("id").isInt()).isTrue();
        assertThat(first.get("name").asText()).isEqualTo("Patient 0");
        assertThat(first.get("balance").isNumber()).isTrue();
        assertThat(first.get("active").isBoolean()).isTrue();
        assertThat(first.get("tags").get("phone").asText()).isEqualTo("555-00");
        // Main database too (tenant_id null), and /query with $n parameters.
        assertThat(platform.postJson("/call", call(null, "count_patients", List.of())).status()).isEqualTo(200);
        JsonNode queried = platform.postJson("/query", Map.of("platform", "clinicapp", "tenant_id", "clinic_003",
                "query", "SELECT id, name FROM patients WHERE name = $1 OR id = $2 ORDER BY id", "params", List.of("Patient 1", 1))).json();
        assertThat(queried.get("row_count").asInt()).isEqualTo(2);
        assertThat(queried.get("rows").get(0).get("id").asInt()).isEqualTo(1);
        assertThat(queried.has("execution_time_ms")).isTrue();

        // Dry run of v2: a full report, nothing changed.
        byte[] v2 = Bundles.tarGz(Bundles.clinicV2());
        Http.Response dry = admin.postMultipart("/migrate", Map.of("platform", "clinicapp", "schema", v2, "dry_run", "true"));
        assertThat(dry.status()).as(dry.toString()).isEqualTo(200);
        assertThat(dry.json().get("dry_run").asBoolean()).isTrue();
        assertThat(dry.json().get("databases")).hasSize(4);
        assertThat(dry.json().get("applied").asInt()).isEqualTo(4);
        assertThat(dry.json().has("schema_version")).isFalse();
        assertThat(columnCount("clinic_002", "email")).isZero();

        // v2 for real: main first, then each tenant, one report each.
        Http.Response migrated = admin.postMultipart("/migrate", Map.of("platform", "clinicapp", "schema", v2));
        assertThat(migrated.status()).as(migrated.toString()).isEqualTo(200);
        JsonNode m = migrated.json();
        assertThat(m.get("schema_version").asInt()).isEqualTo(2);
        List<String> order = new ArrayList<>();
        m.get("databases").forEach(db -> {
            order.add(db.get("database").asText());
            assertThat(db.get("status").asText()).isEqualTo("applied");
            assertThat(db.get("changes")).isNotEmpty();
        });
        assertThat(order).containsExactly("clinicapp_main", "clinicapp_clinic_001", "clinicapp_clinic_002", "clinicapp_clinic_003");
        assertThat(columnCount("clinic_002", "email")).isEqualTo(1);
        assertThat(platform.postJson("/call", call("clinic_003", "count_visits", List.of())).json().at("/rows/0/count_visits").asInt()).isZero();

        // v3 drops a column: blocked with the validation report (422), nothing changed; then forced.
        byte[] v3 = Bundles.tarGz(Bundles.clinicV3());
        Http.Response blocked = admin.postMultipart("/migrate", Map.of("platform", "clinicapp", "schema", v3));
        assertThat(blocked.status()).as(blocked.toString()).isEqualTo(422);
        JsonNode b = blocked.json();
        assertThat(b.get("error").asText()).isEqualTo("schema_validation_failed");
        assertThat(b.get("platform").asText()).isEqualTo("clinicapp");
        assertThat(b.at("/schema_validation/dataloss_changes/0/column").asText()).isEqualTo("phone");
        assertThat(b.at("/report/blocked").asInt()).isEqualTo(1);
        assertThat(b.at("/report/skipped").asInt()).isEqualTo(3);
        assertThat(columnCount("clinic_001", "phone")).isEqualTo(1);
        assertThat(admin.get("/platform/clinicapp/schemas").json().at("/schemas/0/latest_version").asInt()).isEqualTo(2);

        Http.Response forced = admin.postMultipart("/migrate", Map.of("platform", "clinicapp", "schema", v3, "force", "true"));
        assertThat(forced.status()).as(forced.toString()).isEqualTo(200);
        assertThat(forced.json().get("applied").asInt()).isEqualTo(4);
        assertThat(forced.json().get("schema_version").asInt()).isEqualTo(3);
        assertThat(columnCount("clinic_001", "phone")).isZero();

        // Listings: seed 000 §4.3 and the v2 registry views.
        JsonNode listed = admin.get("/admin/databases?platform=clinicapp").json();
        assertThat(listed.get("count").asInt()).isEqualTo(4);
        assertThat(listed.at("/databases/0/name").asText()).isEqualTo("clinicapp_main");
        assertThat(listed.at("/databases/0/type").asText()).isEqualTo("main");
        assertThat(listed.at("/databases/1/type").asText()).isEqualTo("tenant");
        JsonNode platforms = admin.get("/platforms").json();
        JsonNode clinic = null;
        for (JsonNode p : platforms.get("platforms")) if (p.get("platform").asText().equals("clinicapp")) clinic = p;
        assertThat(clinic).isNotNull();
        assertThat(clinic.get("schema_count").asInt()).isEqualTo(1);
        assertThat(clinic.get("database_count").asInt()).isEqualTo(4);
        JsonNode registryDatabases = admin.get("/platform/clinicapp/databases").json();
        assertThat(registryDatabases.get("count").asInt()).isEqualTo(4);
        registryDatabases.get("databases").forEach(db -> assertThat(db.get("schema_version").asInt()).isEqualTo(3));

        // Metrics: Prometheus text, parsed.
        Http.Response scraped = new Http(app.httpPort(), null).get("/metrics");
        assertThat(scraped.status()).isEqualTo(200);
        Map<String, Double> metrics = parsePrometheus(scraped.text());
        assertThat(metrics.get("db_gateway_queries_total{platform=\"clinicapp\"}")).isGreaterThanOrEqualTo(10.0);
        assertThat(metrics.get("db_gateway_query_duration_seconds_count{platform=\"clinicapp\"}")).isGreaterThanOrEqualTo(10.0);
        assertThat(metrics.keySet()).anyMatch(k -> k.startsWith("db_gateway_query_duration_seconds_bucket{") && k.contains("platform=\"clinicapp\""));
        assertThat(metrics.get("db_gateway_deployments_total{platform=\"clinicapp\",status=\"applied\"}")).isGreaterThanOrEqualTo(12.0);
        assertThat(metrics.get("db_gateway_deployments_total{platform=\"clinicapp\",status=\"blocked\"}")).isEqualTo(1.0);
        assertThat(metrics.get("db_gateway_errors_total{type=\"schema_validation_failed\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(metrics.keySet()).anyMatch(k -> k.startsWith("db_gateway_deployment_duration_seconds_count{kind=\"migrate\""));
        assertThat(metrics).containsKeys("db_gateway_active_pools", "db_gateway_total_connections", "db_gateway_clients_waiting",
                "db_gateway_client_connections", "db_gateway_transactions_total", "db_gateway_pinned_sessions_total",
                "db_gateway_client_wait_seconds_count", "db_gateway_client_wait_seconds_sum",
                "db_gateway_session_resets_total{form=\"discard_all\"}", "db_gateway_session_resets_total{form=\"statements\"}");

        // Drop a tenant: needs the confirmation; then it is gone from the backend, the registry and the router.
        Http.Response unconfirmed = admin.delete("/admin/tenant/clinicapp/clinic_003");
        assertThat(unconfirmed.status()).isEqualTo(400);
        assertThat(unconfirmed.json().get("error").asText()).isEqualTo("confirmation_required");
        Http.Response dropped = admin.delete("/admin/tenant/clinicapp/clinic_003?confirm=clinicapp_clinic_003");
        assertThat(dropped.status()).as(dropped.toString()).isEqualTo(200);
        assertThat(dropped.json().get("dropped").asBoolean()).isTrue();
        assertThat(admin.get("/admin/databases?platform=clinicapp").json().get("count").asInt()).isEqualTo(3);
        assertThat(admin.get("/platform/clinicapp/databases").json().get("count").asInt()).isEqualTo(3);
        Http.Response gone = platform.postJson("/call", call("clinic_003", "count_patients", List.of()));
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("error").asText()).isEqualTo("database_not_found");
        assertThat(gone.json().get("tenant_id").asText()).isEqualTo("clinic_003");
        assertThat(app.metrics()).isNotNull();
        assertThat(admin.delete("/admin/tenant/clinicapp/clinic_003?confirm=clinicapp_clinic_003").status()).isEqualTo(404);

        // Health, extended.
        JsonNode health = new Http(app.httpPort(), null).get("/health").json();
        assertThat(health.get("status").asText()).isIn("healthy", "degraded");
        assertThat(health.get("pools").isArray()).isTrue();
        assertThat(health.has("backend_latency_ms")).isTrue();
    }

    private static Map<String, Object> call(String tenant, String function, Object params) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", "clinicapp");
        body.put("tenant_id", tenant);
        body.put("function", function);
        body.put("params", params);
        return body;
    }

    private static int columnCount(String tenant, String column) {
        Http.Response r = platform.postJson("/query", Map.of("platform", "clinicapp", "tenant_id", tenant,
                "query", "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'patients' AND column_name = $1",
                "params", List.of(column)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().at("/rows/0/n").asInt();
    }

    /** Sample lines {@code name{labels} value}; comments skipped. */
    static Map<String, Double> parsePrometheus(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }
}
