package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.support.AdminGateway;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /admin/create-tenant} after the platform's schema has a history (#14: it failed for every new tenant once a
 * migration was written for a shape tables/ no longer has): the tenant starts at main's current schema.
 */
class TenantAfterHistoryTest {

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

    private static String query(String database, String sql) throws Exception {
        return gateway.queryOne(database, sql);
    }

    private static final String COLUMNS = "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns"
            + " WHERE table_name = 'patients'";

    @Test
    void aTenantCreatedAfterARenameAndABackfillStartsAtTheCurrentSchema() throws Exception {
        Map<String, String> v1 = new LinkedHashMap<>();
        v1.put("tables/patients.pssql", "CREATE TABLE patients (id SERIAL PRIMARY KEY, name TEXT NOT NULL);");
        v1.put("migrations/1_backfill_names.pssql", "UPDATE patients SET name = initcap(name);");
        assertThat(admin.postMultipart("/register", Map.of("platform", "history", "schema", Bundles.tarGz(v1))).status()).isEqualTo(200);
        assertThat(admin.postJson("/admin/create-tenant", Map.of("platform", "history", "tenant_id", "early")).status()).isEqualTo(201);

        Map<String, String> v2 = new LinkedHashMap<>(v1);
        v2.put("tables/patients.pssql", "CREATE TABLE patients (id SERIAL PRIMARY KEY, full_name TEXT NOT NULL, nickname TEXT);");
        v2.put("migrations/2_rename_name.pssql", "ALTER TABLE patients RENAME COLUMN name TO full_name;");
        v2.put("migrations/3_nicknames.pssql", "UPDATE patients SET nickname = split_part(full_name, ' ', 1);\n"
                + "CREATE INDEX patients_nickname_idx ON patients (nickname);");
        Http.Response migrated = admin.postMultipart("/migrate", Map.of("platform", "history", "schema", Bundles.tarGz(v2)));
        assertThat(migrated.status()).as(migrated.toString()).isEqualTo(200);

        Http.Response late = admin.postJson("/admin/create-tenant", Map.of("platform", "history", "tenant_id", "late"));

        assertThat(late.status()).as(late.toString()).isEqualTo(201);
        JsonNode deployment = late.json().get("deployment");
        assertThat(deployment.get("status").asText()).isEqualTo("applied");
        assertThat(deployment.toString()).contains("not needed on a new database");
        assertThat(query("history_late", COLUMNS)).isEqualTo(query("history_main", COLUMNS)).isEqualTo("id,full_name,nickname");
        assertThat(query("history_late", "SELECT to_regclass('patients_nickname_idx') IS NOT NULL")).isEqualTo("t");
        assertThat(query("history_late", "SELECT count(*) FROM _stonescriptdb_gateway_migrations")).isEqualTo("3");
        // The next deploy finds it at the current version, like the tenant that lived through the history.
        Http.Response again = admin.postMultipart("/migrate", Map.of("platform", "history", "schema", Bundles.tarGz(v2)));
        assertThat(again.json().get("unchanged").asInt()).as(again.toString()).isEqualTo(3);
    }
}
