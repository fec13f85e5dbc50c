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

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The v2 API (seed 002): platforms, stored schema versions, databases created from them, migrate by schema name. */
class StoredSchemaTest {

    private static GatewayApplication app;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0"), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config);
        http = new Http(app.httpPort(), null);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void storedSchemasCreateAndMigrateDatabases() throws Exception {
        assertThat(http.postJson("/platform/register", Map.of("platform", "schoolapp")).status()).isEqualTo(201);

        // Upload: version 1; the same content again (a fresh archive) is not a new version; new content is.
        Http.Response first = http.postMultipart("/platform/schoolapp/schema", Map.of("schema_name", "tenant", "schema", Bundles.tarGz(Bundles.clinicV1())));
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.json().get("version").asInt()).isEqualTo(1);
        assertThat(first.json().get("checksum").asText()).hasSize(64);
        Http.Response same = http.postMultipart("/platform/schoolapp/schema", Map.of("schema_name", "tenant", "schema", Bundles.tarGz(Bundles.clinicV1())));
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().get("version").asInt()).isEqualTo(1);
        assertThat(same.json().get("created").asBoolean()).isFalse();
        assertThat(http.postMultipart("/platform/schoolapp/schema", Map.of("schema_name", "main", "schema", Bundles.tarGz(Bundles.clinicV1())))
                .status()).isEqualTo(201);

        // Databases from stored schemas: main and two tenants.
        Http.Response main = http.postJson("/database/create", Map.of("platform", "schoolapp", "schema_name", "main"));
        assertThat(main.status()).as(main.toString()).isEqualTo(201);
        assertThat(main.json().get("database").asText()).isEqualTo("schoolapp_main");
        for (String tenant : List.of("school_001", "school_002")) {
            Http.Response created = http.postJson("/database/create", Map.of("platform", "schoolapp", "schema_name", "tenant", "tenant_id", tenant));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            assertThat(created.json().get("schema_version").asInt()).isEqualTo(1);
            assertThat(created.json().at("/deployment/status").asText()).isEqualTo("applied");
        }

        JsonNode schemas = http.get("/platform/schoolapp/schemas").json();
        assertThat(schemas.get("count").asInt()).isEqualTo(2);
        JsonNode databases = http.get("/platform/schoolapp/databases").json();
        assertThat(databases.get("count").asInt()).isEqualTo(3);
        assertThat(databases.at("/databases/0/type").asText()).isEqualTo("main");

        // A new tenant schema version, migrated to the databases created with it (not main).
        Http.Response v2 = http.postMultipart("/platform/schoolapp/schema", Map.of("schema_name", "tenant", "schema", Bundles.tarGz(Bundles.clinicV2())));
        assertThat(v2.json().get("version").asInt()).isEqualTo(2);
        Http.Response dry = http.postJson("/v2/migrate", Map.of("platform", "schoolapp", "schema_name", "tenant", "dry_run", true));
        assertThat(dry.status()).as(dry.toString()).isEqualTo(200);
        assertThat(dry.json().get("databases")).hasSize(2);
        assertThat(dry.json().get("dry_run").asBoolean()).isTrue();
        assertThat(tableExists("schoolapp_school_001", "visits")).isFalse();

        Http.Response migrated = http.postJson("/v2/migrate", Map.of("platform", "schoolapp", "schema_name", "tenant"));
        assertThat(migrated.status()).as(migrated.toString()).isEqualTo(200);
        assertThat(migrated.json().get("applied").asInt()).isEqualTo(2);
        assertThat(migrated.json().get("schema_version").asInt()).isEqualTo(2);
        assertThat(tableExists("schoolapp_school_001", "visits")).isTrue();
        assertThat(tableExists("schoolapp_main", "visits")).isFalse();

        // Only the databases named.
        Http.Response named = http.postJson("/v2/migrate", Map.of("platform", "schoolapp", "schema_name", "tenant", "databases", List.of("schoolapp_school_002")));
        assertThat(named.json().get("databases")).hasSize(1);
        assertThat(named.json().at("/databases/0/status").asText()).isEqualTo("unchanged");

        JsonNode platforms = http.get("/platforms").json();
        JsonNode school = null;
        for (JsonNode p : platforms.get("platforms")) if (p.get("platform").asText().equals("schoolapp")) school = p;
        assertThat(school).isNotNull();
        assertThat(school.get("schema_count").asInt()).isEqualTo(2);
        assertThat(school.get("database_count").asInt()).isEqualTo(3);
        http.get("/platform/schoolapp/databases").json().get("databases").forEach(db ->
                assertThat(db.get("schema_version").asInt()).isEqualTo(db.get("type").asText().equals("main") ? 1 : 2));

        // A tenant cloned from a template database (seed 000 §4.2): refused while someone else is connected to it.
        try (Connection holder = DriverManager.getConnection(TestBackend.target().jdbcUrl("schoolapp_school_001"), "postgres", "")) {
            Http.Response busy = http.postJson("/admin/create-tenant", Map.of("platform", "schoolapp", "tenant_id", "school_003",
                    "template", "schoolapp_school_001"));
            assertThat(busy.status()).as(busy.toString()).isEqualTo(409);
            assertThat(busy.json().get("error").asText()).isEqualTo("template_in_use");
        }
        Http.Response cloned = http.postJson("/admin/create-tenant", Map.of("platform", "schoolapp", "tenant_id", "school_003",
                "template", "schoolapp_school_001"));
        assertThat(cloned.status()).as(cloned.toString()).isEqualTo(201);
        assertThat(cloned.json().get("template").asText()).isEqualTo("schoolapp_school_001");
        assertThat(tableExists("schoolapp_school_003", "visits")).isTrue();
        assertThat(http.postJson("/call", Map.of("platform", "schoolapp", "tenant_id", "school_003", "function", "count_visits"))
                .json().at("/rows/0/count_visits").asInt()).isZero();
        assertThat(http.delete("/admin/tenant/schoolapp/school_003?confirm=schoolapp_school_003").status()).isEqualTo(200);

        // Deployment history lives in the control database.
        try (Connection c = DriverManager.getConnection(TestBackend.target().jdbcUrl("stonescriptdb_gateway"), "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE dry_run) FROM deployments WHERE platform = 'schoolapp'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(8);
            assertThat(rs.getInt(2)).isEqualTo(2);
        }
    }

    private static boolean tableExists(String database, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(TestBackend.target().jdbcUrl(database), "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('public." + table + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
