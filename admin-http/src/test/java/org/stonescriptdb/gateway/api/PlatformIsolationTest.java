package org.stonescriptdb.gateway.api;

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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Two platforms on one server: PostgreSQL's own privileges, not the gateway's SQL parsing, keep a client or key of
 * one platform away from the server's files and programs and from every database of the other platform.
 */
class PlatformIsolationTest {

    private static final String ADMIN_KEY = "isolation-admin-key";
    private static final String KEY_A = "isoa-key";
    private static GatewayApplication app;
    private static Http admin;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0",
                "API_KEY_ADMIN", ADMIN_KEY, "API_KEY_ISOA", KEY_A), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config);
        admin = new Http(app.httpPort(), ADMIN_KEY);
        for (String platform : List.of("isoa", "isob")) {
            Http.Response registered = admin.postMultipart("/register", Map.of("platform", platform, "schema", Bundles.tarGz(Bundles.clinicV1())));
            assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    private static Connection throughGateway(GatewayApplication gateway, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + gateway.proxyPort() + "/" + database + "?user=app");
    }

    private static Connection direct(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", TestBackend.target().user());
        p.setProperty("password", TestBackend.target().password());
        return DriverManager.getConnection(TestBackend.target().jdbcUrl(database), p);
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String refusal(Connection c, String sql) {
        SQLException e = catchThrowableOfType(SQLException.class, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        });
        assertThat((Object) e).as(sql + " must be refused").isNotNull();
        return e.getSQLState();
    }

    @Test
    void aWireClientWorksAsItsPlatformsRoleWithNothingBeyondItsOwnDatabases() throws Exception {
        try (Connection a = throughGateway(app, "isoa_main")) {
            assertThat(one(a, "select current_user")).isEqualTo("ssdb_isoa");
            assertThat(one(a, "select rolsuper or rolcreatedb or rolcreaterole or rolreplication or rolbypassrls from pg_roles where rolname = current_user"))
                    .isEqualTo("f");
            assertThat(one(a, "select count(*) from pg_auth_members m join pg_roles r on r.oid = m.member where r.rolname = current_user"))
                    .as("member of no role").isEqualTo("0");
            assertThat(refusal(a, "select pg_read_file('/etc/passwd')")).isEqualTo("42501");
            assertThat(refusal(a, "copy (select 1) to program 'true'")).isEqualTo("42501");
            assertThat(refusal(a, "create extension if not exists dblink")).isIn("42501", "0A000", "58P01");
            assertThat(refusal(a, "set session authorization ssdb_isob")).isEqualTo("42501");
            assertThat(refusal(a, "set role ssdb_isob")).isEqualTo("42501");
            assertThat(refusal(a, "set session_replication_role = replica")).isEqualTo("42501");
            assertThat(one(a, "select has_database_privilege('isob_main', 'CONNECT')")).isEqualTo("f");
            assertThat(refusal(a, "drop database isob_main")).isEqualTo("42501");
            // What the bundle created belongs to the platform.
            assertThat(one(a, "select string_agg(distinct tableowner, ',') from pg_tables where schemaname = 'public'")).isEqualTo("ssdb_isoa");
        }
        try (Connection b = direct("isob_main")) {
            assertThat(one(b, "select count(*) from patients")).as("platform B's data is still there").isEqualTo("0");
        }
    }

    @Test
    void platformDatabasesAreOwnedByTheirRoleAndClosedToEveryoneElse() throws Exception {
        try (Connection c = direct("postgres")) {
            for (String db : List.of("isoa_main", "isob_main")) {
                assertThat(one(c, "select pg_get_userbyid(datdba) from pg_database where datname = '" + db + "'"))
                        .isEqualTo("ssdb_" + db.substring(0, 4));
                assertThat(one(c, "select count(*) from pg_database, aclexplode(datacl) a where datname = '" + db
                        + "' and a.grantee = 0")).as("PUBLIC's privileges on " + db).isEqualTo("0");
            }
            assertThat(one(c, "select count(*) from pg_database, aclexplode(datacl) a where datname = 'stonescriptdb_gateway' and a.grantee = 0"))
                    .as("the control database, which holds the platform passwords").isEqualTo("0");
        }
    }

    @Test
    void aPlatformKeyOnlyReachesWhatItsRoleMay() {
        Http platformA = new Http(app.httpPort(), KEY_A);
        Http.Response who = platformA.postJson("/query", Map.of("platform", "isoa", "query", "select current_user as u", "params", List.of()));
        assertThat(who.status()).as(who.toString()).isEqualTo(200);
        assertThat(who.text()).contains("ssdb_isoa");
        Http.Response file = platformA.postJson("/query", Map.of("platform", "isoa", "query", "select pg_read_file('/etc/passwd') as f", "params", List.of()));
        assertThat(file.status()).as(file.toString()).isGreaterThanOrEqualTo(400);
        assertThat(file.text()).doesNotContain("root:");
    }

    @Test
    void noResponseCarriesAPlatformPassword() throws Exception {
        String password;
        try (Connection c = direct("stonescriptdb_gateway")) {
            password = one(c, "select password from platform_logins where platform = 'isoa'");
        }
        assertThat(password).hasSizeGreaterThan(20);
        List<String> bodies = new ArrayList<>();
        for (String path : List.of("/platforms", "/platform/isoa/databases", "/admin/databases", "/health", "/metrics")) {
            bodies.add(admin.get(path).text());
        }
        bodies.add(admin.postMultipart("/register", Map.of("platform", "isoa", "schema", Bundles.tarGz(Bundles.clinicV1()))).text());
        assertThat(bodies).noneMatch(b -> b.contains(password));
    }

    @Test
    void databasesFromBeforeAreAdoptedAtStart() throws Exception {
        try (Connection c = direct("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists isoc_main with (force)");
            s.execute("create database isoc_main");
        }
        try (Connection c = direct("isoc_main"); Statement s = c.createStatement()) {
            s.execute("create schema extra");
            s.execute("create type mood as enum ('ok', 'not')");
            s.execute("create table notes (id serial primary key, body text, m mood)");
            s.execute("create table extra.more (id bigint generated always as identity)");
            s.execute("create view note_bodies as select body from notes");
            s.execute("create function note_count() returns bigint language sql as 'select count(*) from notes'");
            s.execute("insert into notes (body) values ('before')");
        }
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0"), null).withBackend(TestBackend.target());
        GatewayApplication second = GatewayApplication.start(config);
        try (Connection c = throughGateway(second, "isoc_main")) {
            assertThat(one(c, "select current_user")).isEqualTo("ssdb_isoc");
            assertThat(one(c, "select note_count()")).isEqualTo("1");
            assertThat(one(c, "select string_agg(distinct pg_get_userbyid(relowner), ',') from pg_class where relnamespace in"
                    + " ('public'::regnamespace, 'extra'::regnamespace)")).isEqualTo("ssdb_isoc");
            assertThat(one(c, "select pg_get_userbyid(typowner) from pg_type where typname = 'mood'")).isEqualTo("ssdb_isoc");
            assertThat(one(c, "select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'extra'")).isEqualTo("ssdb_isoc");
            try (Statement s = c.createStatement()) {
                s.execute("insert into notes (body, m) values ('after', 'ok')");
                s.execute("alter table notes add column seen boolean");
            }
        } finally {
            second.stop(Duration.ZERO);
        }
        try (Connection c = direct("postgres")) {
            assertThat(one(c, "select pg_get_userbyid(datdba) from pg_database where datname = 'isoc_main'")).isEqualTo("ssdb_isoc");
            assertThat(one(c, "select count(*) from pg_database, aclexplode(datacl) a where datname = 'isoc_main' and a.grantee = 0")).isEqualTo("0");
        }
    }
}
