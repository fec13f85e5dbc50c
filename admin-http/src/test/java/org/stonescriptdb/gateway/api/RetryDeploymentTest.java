package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.AdminSettings;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.BackendTarget;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code retry_deployment} (#14): a retry deploys only to the databases a recorded deployment left failed, blocked or
 * skipped, with main first as the canary when it is one of them; ids that are garbage, unknown or another platform's
 * are refused before anything is deployed.
 *
 * <p>Deploys here give up on a table lock after 200 ms (and three retries), so a tenant whose table the test holds
 * fails with 55P03 in a few seconds.
 */
class RetryDeploymentTest {

    private static final String ADMIN_KEY = "admin-key-for-tests";
    private static GatewayApplication app;
    private static Http admin;
    private static BackendTarget pg;

    @BeforeAll
    static void start() throws Exception {
        pg = TestBackend.target();
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY), null)
                .withBackend(pg);
        app = GatewayApplication.start(config, new AdminSettings(50L * 1024 * 1024, Set.of(), Duration.ofMillis(200),
                Duration.ofMinutes(5)));
        admin = new Http(app.httpPort(), ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    private static void superuser(String database, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password()); Statement s = c.createStatement()) {
            s.execute(sql);
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

    /** The recorded statuses of a deployment, by database. */
    private static String recorded(String deploymentId) throws Exception {
        return one("stonescriptdb_gateway", "SELECT coalesce(string_agg(database || '=' || status, ',' ORDER BY database), '')"
                + " FROM deployments WHERE deployment_id = '" + deploymentId + "'");
    }

    private static List<String> databases(JsonNode report) {
        List<String> out = new ArrayList<>();
        report.get("databases").forEach(d -> out.add(d.get("database").asText() + "=" + d.get("status").asText()));
        return out;
    }

    private static void v1Platform(String platform, String... tenants) {
        Http.Response registered = admin.postMultipart("/register", Map.of("platform", platform, "schema", Bundles.tarGz(Bundles.clinicV1())));
        assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        for (String tenant : tenants) {
            Http.Response created = admin.postJson("/admin/create-tenant", Map.of("platform", platform, "tenant_id", tenant));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
    }

    private static Http.Response migrate(String platform, Map<String, String> files, String retry) {
        Map<String, Object> form = new LinkedHashMap<>();
        form.put("platform", platform);
        form.put("schema", Bundles.tarGz(files));
        if (retry != null) form.put("retry_deployment", retry);
        return admin.postMultipart("/migrate", form);
    }

    @Test
    void aV1RetryOfADeploymentWhereOneTenantCouldNotGetItsLockDeploysThatTenantAlone() throws Exception {
        v1Platform("rtlock", "t1", "t2", "t3");
        Http.Response first;
        try (Connection holder = DriverManager.getConnection(pg.jdbcUrl("rtlock_t2"), pg.user(), pg.password())) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("LOCK TABLE patients IN ACCESS SHARE MODE");
            }
            first = migrate("rtlock", Bundles.clinicV2(), null);
            holder.rollback();
        }
        assertThat(first.status()).as(first.toString()).isEqualTo(422);
        String deploymentId = first.json().at("/report/deployment_id").asText();
        assertThat(databases(first.json().get("report"))).containsExactly("rtlock_main=applied", "rtlock_t1=applied",
                "rtlock_t2=failed", "rtlock_t3=applied");
        assertThat(first.json().at("/report/databases/2/failure/sql_state").asText()).isEqualTo("55P03");

        // Another bundle than the one main has is refused: the tenants would get a schema main does not have.
        Http.Response otherBundle = migrate("rtlock", Bundles.clinicV3(), deploymentId);
        assertThat(otherBundle.status()).as(otherBundle.toString()).isEqualTo(400);
        assertThat(otherBundle.json().get("message").asText()).contains("the bundle main has");

        Http.Response retried = migrate("rtlock", Bundles.clinicV2(), deploymentId);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        JsonNode r = retried.json();
        assertThat(databases(r)).containsExactly("rtlock_t2=applied");
        assertThat(r.get("retry_of").asText()).isEqualTo(deploymentId);
        assertThat(r.get("deployment_id").asText()).isNotEqualTo(deploymentId);
        assertThat(r.get("schema_version").asInt()).isEqualTo(2);
        assertThat(hasEmail("rtlock_t2")).isTrue();
        assertThat(recorded(r.get("deployment_id").asText())).isEqualTo("rtlock_t2=applied");
        assertThat(one("stonescriptdb_gateway", "SELECT schema_version FROM databases WHERE name = 'rtlock_t2'")).isEqualTo("2");

        // That deployment left nothing behind: retrying it does nothing, and says so.
        Http.Response nothing = migrate("rtlock", Bundles.clinicV2(), r.get("deployment_id").asText());
        assertThat(nothing.status()).as(nothing.toString()).isEqualTo(200);
        assertThat(nothing.json().get("databases")).isEmpty();
        assertThat(nothing.json().get("message").asText()).startsWith("nothing to retry");
        assertThat(nothing.json().get("retry_of").asText()).isEqualTo(r.get("deployment_id").asText());
    }

    @Test
    void aRetryWithMainAmongTheDatabasesLeftBehindDeploysMainFirstAsTheCanary() throws Exception {
        v1Platform("rtcanary", "t1", "t2");
        // A column main has and the bundle does not: dropping it would lose data, so main is blocked, every tenant skipped.
        superuser("rtcanary_main", "ALTER TABLE patients ADD COLUMN notes text");
        Http.Response first = migrate("rtcanary", Bundles.clinicV2(), null);
        assertThat(first.status()).as(first.toString()).isEqualTo(422);
        String deploymentId = first.json().at("/report/deployment_id").asText();
        assertThat(databases(first.json().get("report"))).containsExactly("rtcanary_main=blocked", "rtcanary_t1=skipped", "rtcanary_t2=skipped");

        superuser("rtcanary_main", "ALTER TABLE patients DROP COLUMN notes");
        Http.Response retried = migrate("rtcanary", Bundles.clinicV2(), deploymentId);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(databases(retried.json())).containsExactly("rtcanary_main=applied", "rtcanary_t1=applied", "rtcanary_t2=applied");
        assertThat(retried.json().get("schema_version").asInt()).as("main took it: stored as the platform's schema").isEqualTo(2);
        for (String db : List.of("rtcanary_main", "rtcanary_t1", "rtcanary_t2")) assertThat(hasEmail(db)).as(db).isTrue();
    }

    @Test
    void aV2RetryOfADeploymentWithOneBlockedTenantRetriesExactlyThatTenant() throws Exception {
        assertThat(admin.postJson("/platform/register", Map.of("platform", "rtvtwo")).status()).isEqualTo(201);
        assertThat(admin.postMultipart("/platform/rtvtwo/schema", Map.of("schema_name", "tenant",
                "schema", Bundles.tarGz(Bundles.clinicV1()))).status()).isEqualTo(201);
        for (String t : List.of("s1", "s2", "s3")) {
            Http.Response created = admin.postJson("/database/create", Map.of("platform", "rtvtwo", "schema_name", "tenant", "tenant_id", t));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
        }
        assertThat(admin.postMultipart("/platform/rtvtwo/schema", Map.of("schema_name", "tenant",
                "schema", Bundles.tarGz(Bundles.clinicV2()))).status()).isEqualTo(201);
        superuser("rtvtwo_s2", "ALTER TABLE patients ADD COLUMN notes text");

        Http.Response first = admin.postJson("/v2/migrate", Map.of("platform", "rtvtwo", "schema_name", "tenant"));
        assertThat(first.status()).as(first.toString()).isEqualTo(422);
        String deploymentId = first.json().at("/report/deployment_id").asText();
        assertThat(recorded(deploymentId)).as("tenants without main: one deployment")
                .isEqualTo("rtvtwo_s1=applied,rtvtwo_s2=blocked,rtvtwo_s3=applied");

        // Both ways of choosing databases at once: refused.
        Http.Response both = admin.postJson("/v2/migrate", Map.of("platform", "rtvtwo", "schema_name", "tenant",
                "retry_deployment", deploymentId, "databases", List.of("rtvtwo_s2")));
        assertThat(both.status()).isEqualTo(400);
        assertThat(both.json().get("message").asText()).contains("either databases or retry_deployment");
        // Another schema than the deployment's: refused, it would put that schema on these databases.
        assertThat(admin.postMultipart("/platform/rtvtwo/schema", Map.of("schema_name", "other",
                "schema", Bundles.tarGz(Bundles.clinicV1()))).status()).isEqualTo(201);
        Http.Response otherSchema = admin.postJson("/v2/migrate", Map.of("platform", "rtvtwo", "schema_name", "other",
                "retry_deployment", deploymentId));
        assertThat(otherSchema.status()).as(otherSchema.toString()).isEqualTo(400);
        assertThat(otherSchema.json().get("message").asText()).contains("deployed schema 'tenant', not 'other'");

        superuser("rtvtwo_s2", "ALTER TABLE patients DROP COLUMN notes");
        Http.Response retried = admin.postJson("/v2/migrate", Map.of("platform", "rtvtwo", "schema_name", "tenant",
                "retry_deployment", deploymentId));

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(databases(retried.json())).containsExactly("rtvtwo_s2=applied");
        assertThat(retried.json().get("retry_of").asText()).isEqualTo(deploymentId);
        assertThat(hasEmail("rtvtwo_s2")).isTrue();

        // Streamed, a retry with nothing left is the done line alone.
        List<JsonNode> lines;
        try (Http.Streamed stream = admin.stream(admin.json("/v2/migrate", Map.of("platform", "rtvtwo", "schema_name", "tenant",
                "retry_deployment", retried.json().get("deployment_id").asText())))) {
            assertThat(stream.status()).isEqualTo(200);
            lines = stream.rest();
        }
        assertThat(lines).singleElement().satisfies(done -> {
            assertThat(done.get("event").asText()).isEqualTo("done");
            assertThat(done.get("http_status").asInt()).isEqualTo(200);
            assertThat(done.get("message").asText()).startsWith("nothing to retry");
        });
    }

    @Test
    void aRetryOfADatabaseDroppedSinceLeavesItOut() throws Exception {
        v1Platform("rtdrop", "t1", "t2");
        superuser("rtdrop_t1", "ALTER TABLE patients ADD COLUMN notes text");
        superuser("rtdrop_t2", "ALTER TABLE patients ADD COLUMN notes text");
        Http.Response first = migrate("rtdrop", Bundles.clinicV2(), null);
        assertThat(first.status()).isEqualTo(422);
        String deploymentId = first.json().at("/report/deployment_id").asText();
        assertThat(admin.delete("/admin/tenant/rtdrop/t1?confirm=rtdrop_t1").status()).isEqualTo(200);
        superuser("rtdrop_t2", "ALTER TABLE patients DROP COLUMN notes");

        Http.Response retried = migrate("rtdrop", Bundles.clinicV2(), deploymentId);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(databases(retried.json())).containsExactly("rtdrop_t2=applied");
    }

    @Test
    void aDryRunIsRetriedOnlyAsADryRun() throws Exception {
        v1Platform("rtdry", "t1", "t2");
        superuser("rtdry_t1", "ALTER TABLE patients ADD COLUMN notes text");
        Map<String, Object> dry = new LinkedHashMap<>(Map.of("platform", "rtdry", "schema", Bundles.tarGz(Bundles.clinicV2()), "dry_run", "true"));
        Http.Response first = admin.postMultipart("/migrate", dry);
        assertThat(first.status()).as(first.toString()).isEqualTo(422);
        String deploymentId = first.json().at("/report/deployment_id").asText();

        Http.Response forReal = migrate("rtdry", Bundles.clinicV2(), deploymentId);
        assertThat(forReal.status()).as(forReal.toString()).isEqualTo(400);
        assertThat(forReal.json().get("message").asText()).contains("was a dry run");

        dry.put("retry_deployment", deploymentId);
        Http.Response dryAgain = admin.postMultipart("/migrate", dry);
        assertThat(dryAgain.status()).as(dryAgain.toString()).isEqualTo(422);
        assertThat(databases(dryAgain.json().get("report"))).containsExactly("rtdry_t1=blocked");
        for (String db : List.of("rtdry_main", "rtdry_t1", "rtdry_t2")) assertThat(hasEmail(db)).as(db).isFalse();
    }

    @Test
    void retryIdsThatAreGarbageUnknownOrAnotherPlatformsAreRefusedBeforeAnythingIsDeployed() throws Exception {
        v1Platform("rtids", "t1");
        v1Platform("rtother");
        String othersDeployment = migrate("rtother", Bundles.clinicV2(), null).json().get("deployment_id").asText();

        for (String garbage : List.of("garbage", "", "1-2-3-4-5", "'; DROP TABLE deployments; --", "x".repeat(5000),
                UUID.randomUUID() + "\u0000")) {
            Http.Response r = migrate("rtids", Bundles.clinicV2(), garbage);
            assertThat(r.status()).as(garbage + " → " + r).isEqualTo(400);
            assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
            assertThat(r.json().get("message").asText()).contains("retry_deployment must be the deployment_id of a report");
        }
        Http.Response notText = admin.postJson("/v2/migrate", Map.of("platform", "rtids", "schema_name", "default", "retry_deployment", 42));
        assertThat(notText.status()).isEqualTo(400);
        assertThat(notText.json().get("message").asText()).contains("retry_deployment must be a string");

        Http.Response unknown = migrate("rtids", Bundles.clinicV2(), UUID.randomUUID().toString());
        assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).isEqualTo("deployment_not_found");

        Http.Response anotherPlatforms = migrate("rtids", Bundles.clinicV2(), othersDeployment);
        assertThat(anotherPlatforms.status()).as(anotherPlatforms.toString()).isEqualTo(404);
        assertThat(anotherPlatforms.json().get("error").asText()).isEqualTo("deployment_not_found");
        Http.Response anotherPlatformsV2 = admin.postJson("/v2/migrate", Map.of("platform", "rtids", "schema_name", "default",
                "retry_deployment", othersDeployment.toUpperCase()));
        assertThat(anotherPlatformsV2.status()).as(anotherPlatformsV2.toString()).isEqualTo(404);

        assertThat(hasEmail("rtids_main")).as("nothing was deployed").isFalse();
        assertThat(hasEmail("rtids_t1")).isFalse();
    }
}
