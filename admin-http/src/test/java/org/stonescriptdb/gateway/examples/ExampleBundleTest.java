package org.stonescriptdb.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example bundle in examples/clinic: version 1 to a main and two tenants holding data, then version 2 to all of
 * them (the rename, the added and back-filled column and the index, ordered by dependency, not by file name), then a
 * tenant created at version 2 — each database checked in PostgreSQL itself.
 */
class ExampleBundleTest {

    private static final String ADMIN_KEY = "example-bundle-admin-key";
    private static final Path EXAMPLE = DocumentedExamplesTest.ROOT.resolve("examples/clinic");
    private static GatewayApplication app;
    private static Http admin;
    private static BackendTarget pg;

    @BeforeAll
    static void start() throws Exception {
        pg = TestBackend.target();
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY), null)
                .withBackend(pg);
        app = GatewayApplication.start(config);
        admin = new Http(app.httpPort(), ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    /** The files of {@code examples/clinic/<version>/postgresql}, by path inside it. */
    static Map<String, String> files(String version) throws IOException {
        Path dir = EXAMPLE.resolve(version).resolve("postgresql");
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString().replace('\\', '/'), Files.readString(p));
            }
        }
        return files;
    }

    private static Map<String, Object> upload(String platform, Map<String, String> bundle) {
        Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("platform", platform);
        parts.put("schema", Bundles.tarGz(bundle));
        return parts;
    }

    private static Http.Response ok(Http.Response r, int status) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        return r;
    }

    private static JsonNode call(String platform, String tenant, String function, Object params) {
        Map<String, Object> body = new HashMap<>();
        body.put("platform", platform);
        body.put("tenant_id", tenant);
        body.put("function", function);
        body.put("params", params);
        return ok(admin.postJson("/call", body), 200).json();
    }

    private static String q(String database, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static List<String> changes(JsonNode report, String kind) {
        List<String> out = new ArrayList<>();
        report.get("changes").forEach(c -> {
            if (c.get("kind").asText().equals(kind)) out.add(c.get("object").asText() + ": " + c.get("action").asText());
        });
        return out;
    }

    /** What version 2 looks like in any database, however it got there. */
    private static void assertAtVersion2(String db) throws Exception {
        assertThat(q(db, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'patients'::regclass AND attnum > 0 AND NOT attisdropped"))
                .as(db).isEqualTo("id,full_name,born,phone,created_at");
        assertThat(q(db, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'prescriptions'::regclass AND attnum > 0 AND NOT attisdropped"))
                .as(db).isEqualTo("id,visit_id,medication_id,dose,days,ends_on");
        assertThat(q(db, "SELECT to_regclass('patients_full_name_idx') IS NOT NULL AND to_regclass('visits_patient_idx') IS NOT NULL"))
                .as(db + ": indexes").isEqualTo("t");
        assertThat(q(db, "SELECT pg_get_indexdef('patients_full_name_idx'::regclass)")).contains("lower(full_name)");
        assertThat(q(db, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'visit_status'::regtype"))
                .as(db).isEqualTo("booked,arrived,done,cancelled,no_show");
        assertThat(q(db, "SELECT string_agg(name, ',' ORDER BY name) FROM medications"))
                .as(db + ": seeded").isEqualTo("Amoxicillin,Ibuprofen,Paracetamol,Salbutamol");
        assertThat(q(db, "SELECT string_agg(name, ',' ORDER BY name) FROM _stonescriptdb_gateway_migrations"))
                .as(db).isEqualTo("1_visit_lookup.pssql,2_patient_name_search.pssql,3_prescription_end_dates.pssql,4_rename_patient_name.pssql");
    }

    @Test
    void version1ThenVersion2ToMainAndTenantsThenATenantCreatedAtVersion2() throws Exception {
        String platform = "exampleclinic";
        JsonNode registered = ok(admin.postMultipart("/register", upload(platform, files("v1"))), 200).json();
        assertThat(registered.at("/deployment/status").asText()).isEqualTo("applied");
        // Tables in foreign-key order, not by file name (prescriptions.pssql sorts before visits.pssql).
        assertThat(changes(registered.get("deployment"), "table")).containsExactly(
                "medications: created", "patients: created", "visits: created", "prescriptions: created");
        for (String tenant : List.of("north", "south")) {
            ok(admin.postJson("/admin/create-tenant", Map.of("platform", platform, "tenant_id", tenant)), 201);
        }
        List<String> tenants = Arrays.asList(null, "north", "south");
        for (String tenant : tenants) {
            call(platform, tenant, "add_patient", List.of("Asha Rao", "1988-04-02"));
            call(platform, tenant, "book_visit", Map.of("p_patient_id", 1, "p_at", "2026-12-01T09:30:00Z", "p_reason", "cough"));
            call(platform, tenant, "prescribe", List.of(1, "Amoxicillin", "500 mg three times a day", 5));
            assertThat(call(platform, tenant, "list_patients", List.of()).at("/rows/0/name").asText()).isEqualTo("Asha Rao");
        }

        JsonNode migrated = ok(admin.postMultipart("/migrate", upload(platform, files("v2"))), 200).json();
        assertThat(migrated.get("applied").asInt()).isEqualTo(3);
        for (JsonNode db : migrated.get("databases")) {
            String name = db.get("database").asText();
            assertThat(db.get("status").asText()).as(name).isEqualTo("applied");
            assertThat(db.at("/schema_validation/dataloss_changes")).as(name + ": a rename, not a drop and an add").isEmpty();
            assertThat(db.at("/schema_validation/safe_changes")).hasSize(1);
            assertThat(db.at("/schema_validation/safe_changes/0/column").asText()).isEqualTo("ends_on");
            // By dependency: the rename before the table diff, the index and the back-fill after it, in name order.
            assertThat(changes(db, "migration")).as(name).containsExactly(
                    "4_rename_patient_name.pssql: applied", "2_patient_name_search.pssql: applied",
                    "3_prescription_end_dates.pssql: applied");
            List<String> order = new ArrayList<>();
            db.get("changes").forEach(c -> order.add(c.get("object").asText()));
            assertThat(order.indexOf("prescriptions.ends_on")).as(name + ": column added before its back-fill")
                    .isBetween(order.indexOf("4_rename_patient_name.pssql"), order.indexOf("3_prescription_end_dates.pssql"));
        }
        for (String db : List.of(platform + "_main", platform + "_north", platform + "_south")) {
            assertAtVersion2(db);
            assertThat(q(db, "SELECT full_name FROM patients WHERE id = 1")).as(db + ": renamed, data kept").isEqualTo("Asha Rao");
            assertThat(q(db, "SELECT ends_on::text FROM prescriptions WHERE id = 1")).as(db + ": back-filled").isEqualTo("2026-12-06");
        }
        assertThat(call(platform, "north", "find_patients", List.of("asha")).at("/rows/0/full_name").asText()).isEqualTo("Asha Rao");
        assertThat(call(platform, "north", "set_visit_status", List.of(1, "no_show")).at("/rows/0/set_visit_status").asText())
                .isEqualTo("no_show");

        JsonNode later = ok(admin.postJson("/admin/create-tenant", Map.of("platform", platform, "tenant_id", "west")), 201).json();
        assertThat(later.get("schema_version").asInt()).isEqualTo(2);
        assertThat(changes(later.get("deployment"), "migration"))
                .contains("4_rename_patient_name.pssql: rename skipped (tables/ already declares patients.full_name)");
        assertAtVersion2(platform + "_west");
        call(platform, "west", "add_patient", List.of("Ben Okafor", "1975-11-30"));
        call(platform, "west", "book_visit", List.of(1, "2026-12-02T10:00:00Z", "check-up"));
        call(platform, "west", "prescribe", List.of(1, "Ibuprofen", "200 mg", 3));
        assertThat(q(platform + "_west", "SELECT ends_on::text FROM prescriptions")).isEqualTo("2026-12-05");

        JsonNode again = ok(admin.postMultipart("/register", upload(platform, files("v2"))), 200).json();
        assertThat(again.at("/deployment/status").asText()).isEqualTo("unchanged");
        assertThat(again.get("tenants_changed")).isEmpty();
        assertThat(again.get("behind")).isEmpty();
    }

    /** examples/README.md and the bundle's own comments name only files the bundle has. */
    @Test
    void everyBundleFileTheExampleNamesExists() throws Exception {
        Pattern path = Pattern.compile("\\b(?:types|tables|functions|seeders|migrations|extensions)/[\\w.-]+\\.pssql");
        List<String> texts = new ArrayList<>(List.of(Files.readString(EXAMPLE.resolveSibling("README.md"))));
        texts.addAll(files("v1").values());
        texts.addAll(files("v2").values());
        int named = 0;
        for (String text : texts) {
            Matcher m = path.matcher(text);
            while (m.find()) {
                named++;
                assertThat(files("v1").containsKey(m.group()) || files("v2").containsKey(m.group())).as(m.group()).isTrue();
            }
        }
        assertThat(named).isGreaterThan(10);
    }

    /**
     * A migration that inserts into a seeded table declared in tables/ runs after tables; a database created later still
     * gets the seeded rows (the table was created by that deploy, so the seeder's first run counts it as empty).
     */
    @Test
    void aTenantCreatedAfterAMigrationAddedReferenceDataStillGetsTheSeededRows() throws Exception {
        String platform = "exampleseed";
        ok(admin.postMultipart("/register", upload(platform, files("v1"))), 200);
        Map<String, String> v2 = new TreeMap<>(files("v2"));
        v2.put("migrations/5_more_medications.pssql",
                "INSERT INTO medications (name, unit) VALUES ('Cetirizine', 'mg') ON CONFLICT (name) DO NOTHING;\n");
        ok(admin.postMultipart("/migrate", upload(platform, v2)), 200);
        assertThat(q(platform + "_main", "SELECT count(*) FROM medications")).isEqualTo("5");

        ok(admin.postJson("/admin/create-tenant", Map.of("platform", platform, "tenant_id", "later")), 201);

        assertThat(q(platform + "_later", "SELECT string_agg(name, ',' ORDER BY name) FROM medications"))
                .isEqualTo("Amoxicillin,Cetirizine,Ibuprofen,Paracetamol,Salbutamol");
    }
}
