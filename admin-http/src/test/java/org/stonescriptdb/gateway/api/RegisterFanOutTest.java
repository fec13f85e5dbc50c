package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.support.AdminGateway;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /register} of a new bundle version carries it to every tenant, not only to main (#14: it used to leave the
 * tenants quietly on the old version), and names the tenants that did not take it.
 */
class RegisterFanOutTest {

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

    private static boolean hasEmail(String database) throws Exception {
        return "1".equals(gateway.queryOne(database,
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'patients' AND column_name = 'email'"));
    }

    private static void superuser(String database, String sql) throws Exception {
        gateway.superuser(database, sql);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void aNewVersionReachesEveryTenantAndTheOnesThatCouldNotTakeItAreNamed() throws Exception {
        assertThat(admin.postMultipart("/register", Map.of("platform", "regfan", "schema", Bundles.tarGz(Bundles.clinicV1()))).status()).isEqualTo(200);
        for (String tenant : List.of("t1", "t2", "t3")) {
            Http.Response created = admin.postJson("/admin/create-tenant", Map.of("platform", "regfan", "tenant_id", tenant));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
        // t3 cannot be reached by the platform's role (a DBA took its CONNECT away): it cannot take the new version.
        superuser("postgres", "REVOKE CONNECT ON DATABASE regfan_t3 FROM ssdb_regfan");
        try {
            Http.Response registered = admin.postMultipart("/register", Map.of("platform", "regfan", "schema", Bundles.tarGz(Bundles.clinicV2())));
            assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
            JsonNode r = registered.json();
            assertThat(r.get("status").asText()).isEqualTo("ready");
            assertThat(r.at("/deployment/status").asText()).isEqualTo("applied");
            assertThat(r.get("tenants").asInt()).isEqualTo(3);
            assertThat(texts(r.get("tenants_changed"))).containsExactly("regfan_t1", "regfan_t2");
            assertThat(texts(r.get("changed"))).containsExactly("regfan_main", "regfan_t1", "regfan_t2");
            assertThat(texts(r.get("behind"))).containsExactly("regfan_t3");
            assertThat(r.at("/fan_out/databases")).hasSize(4);
            assertThat(hasEmail("regfan_main")).isTrue();
            assertThat(hasEmail("regfan_t1")).isTrue();
            assertThat(hasEmail("regfan_t2")).isTrue();
            assertThat(hasEmail("regfan_t3")).as("the tenant named behind").isFalse();
        } finally {
            superuser("postgres", "GRANT CONNECT ON DATABASE regfan_t3 TO ssdb_regfan");
        }
        // Registered again once the cause is gone: t3 catches up, nobody is behind.
        JsonNode again = admin.postMultipart("/register", Map.of("platform", "regfan", "schema", Bundles.tarGz(Bundles.clinicV2()))).json();
        assertThat(texts(again.get("tenants_changed"))).containsExactly("regfan_t3");
        assertThat(texts(again.get("changed"))).as("main was already at the bundle").containsExactly("regfan_t3");
        assertThat(again.get("behind")).isEmpty();
        assertThat(hasEmail("regfan_t3")).isTrue();
    }
}
