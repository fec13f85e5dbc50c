package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.support.AdminGateway;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /platform/{platform}/versions}: each database's version, last deployment, and whether it is behind or drifted (#14). */
class PlatformVersionsTest {

    private static AdminGateway gateway;
    private static Http admin;

    @BeforeAll
    static void start() throws Exception {
        gateway = AdminGateway.start();
        admin = gateway.admin();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    private static void superuser(String database, String sql) throws Exception {
        gateway.superuser(database, sql);
    }

    private static Map<String, String> labelled(Map<String, String> files, String label) {
        Map<String, String> out = new LinkedHashMap<>(files);
        out.put("VERSION", label + "\n");
        return out;
    }

    private static Map<String, JsonNode> byDatabase(JsonNode versions) {
        Map<String, JsonNode> out = new HashMap<>();
        versions.get("databases").forEach(d -> out.put(d.get("database").asText(), d));
        return out;
    }

    @Test
    void eachDatabaseShowsItsVersionAndWhetherItIsBehindOrDrifted() throws Exception {
        assertThat(admin.postMultipart("/register", Map.of("platform", "vers", "schema", Bundles.tarGz(labelled(Bundles.clinicV1(), "v1.0")))).status())
                .isEqualTo(200);
        for (String t : new String[]{"t1", "t2"}) {
            assertThat(admin.postJson("/admin/create-tenant", Map.of("platform", "vers", "tenant_id", t)).status()).isEqualTo(201);
        }
        Map<String, JsonNode> first = byDatabase(admin.get("/platform/vers/versions").json());
        assertThat(first).containsOnlyKeys("vers_main", "vers_t1", "vers_t2");
        first.values().forEach(d -> {
            assertThat(d.get("state").asText()).as(d.toString()).isEqualTo("current");
            assertThat(d.get("label").asText()).isEqualTo("v1.0");
            assertThat(d.at("/last_deployment/status").asText()).isEqualTo("applied");
        });

        superuser("postgres", "REVOKE CONNECT ON DATABASE vers_t2 FROM ssdb_vers");
        JsonNode registered;
        JsonNode whileLocked;
        try {
            registered = admin.postMultipart("/register", Map.of("platform", "vers", "schema", Bundles.tarGz(labelled(Bundles.clinicV2(), "v2.0")))).json();
            whileLocked = admin.get("/platform/vers/versions").json();
        } finally {
            superuser("postgres", "GRANT CONNECT ON DATABASE vers_t2 TO ssdb_vers");
        }
        assertThat(registered.get("behind").toString()).contains("vers_t2");
        JsonNode unreachable = byDatabase(whileLocked).get("vers_t2");
        assertThat(unreachable.get("state").asText()).isEqualTo("unreachable");
        assertThat(unreachable.get("error").asText()).contains("vers_t2");
        assertThat(unreachable.at("/last_deployment/status").asText()).isEqualTo("failed");

        superuser("vers_t1", "ALTER TABLE patients ADD COLUMN added_by_hand integer");
        JsonNode now = admin.get("/platform/vers/versions").json();
        Map<String, JsonNode> rows = byDatabase(now);
        assertThat(now.at("/latest/default/label").asText()).isEqualTo("v2.0");
        assertThat(rows.get("vers_main").get("state").asText()).isEqualTo("current");
        assertThat(rows.get("vers_main").get("label").asText()).isEqualTo("v2.0");
        assertThat(rows.get("vers_t2").get("state").asText()).isEqualTo("behind");
        assertThat(rows.get("vers_t2").get("label").asText()).isEqualTo("v1.0");
        assertThat(rows.get("vers_t1").get("state").asText()).isEqualTo("drifted");
        assertThat(rows.get("vers_t1").at("/drift/added").toString()).contains("column public.patients.added_by_hand integer");
        assertThat(now.at("/counts/current").asInt()).isEqualTo(1);
    }

    @Test
    void anUnknownPlatformIsNotFoundAndTheAdminKeyIsRequired() throws Exception {
        assertThat(admin.get("/platform/nosuchplatform/versions").status()).isEqualTo(404);
        assertThat(gateway.withKey("wrong-key").get("/platform/vers/versions").status()).isIn(401, 403);
    }
}
