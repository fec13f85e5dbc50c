package org.stonescriptdb.gateway.registry;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.ControlPool;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;
import org.stonescriptdb.gateway.support.TestBackend;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Adoption at start goes on past what it cannot do: a database whose objects cannot change owner, or a platform whose role has
 * privileges the gateway's login cannot take back (which is then not served at all, rather than served with them).
 */
class PlatformAdoptionTest {

    private static final String GATEWAY_LOGIN = "adoption_gw";
    private static BackendTarget superuser;
    private static HikariDataSource superPool;
    private static HikariDataSource gatewayPool;
    private static ControlDatabase control;

    @BeforeAll
    static void start() throws Exception {
        superuser = TestBackend.target();
        superPool = ControlPool.create(superuser);
        sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + GATEWAY_LOGIN + "') THEN"
                + " CREATE ROLE " + GATEWAY_LOGIN + " LOGIN CREATEDB CREATEROLE PASSWORD 'adoption'; END IF; END $$");
        // A platform role someone made a superuser by hand: a CREATEROLE login cannot take that back.
        sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ssdb_adoptsuper') THEN"
                + " CREATE ROLE ssdb_adoptsuper LOGIN SUPERUSER; END IF; END $$");
        // Administered by the gateway's login (as a role it created would be), but never usable by it.
        sql("GRANT ssdb_adoptsuper TO " + GATEWAY_LOGIN + " WITH ADMIN OPTION, INHERIT FALSE, SET FALSE");
        for (String db : new String[]{"adoptsuper_main", "adoptfine_main", "adoptshut_main", "adoptopen_main"}) createDatabase(db);
        // A database whose objects cannot change owner: an event trigger refuses every ALTER … OWNER in it.
        try (Connection c = asSuperuser().open("adoptshut_main"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS t (x int)");
            s.execute("CREATE OR REPLACE FUNCTION forbid() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " RAISE EXCEPTION 'no owner changes here'; END $$");
            s.execute("DROP EVENT TRIGGER IF EXISTS no_owner_change");
            s.execute("CREATE EVENT TRIGGER no_owner_change ON ddl_command_start"
                    + " WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA', 'ALTER ROUTINE', 'ALTER FUNCTION', 'ALTER TYPE') EXECUTE FUNCTION forbid()");
        }
        gatewayPool = ControlPool.create(new BackendTarget(superuser.host(), superuser.port(), "postgres", GATEWAY_LOGIN, "adoption"));
        control = ControlDatabase.open(superuser, new BackendDatabases(superPool), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() throws SQLException {
        try (Connection c = asSuperuser().open("adoptshut_main"); Statement s = c.createStatement()) {
            s.execute("DROP EVENT TRIGGER IF EXISTS no_owner_change");
        }
        sql("ALTER ROLE ssdb_adoptsuper NOSUPERUSER");
        if (control != null) control.close();
        if (gatewayPool != null) gatewayPool.close();
        if (superPool != null) superPool.close();
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = superPool.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static void createDatabase(String name) throws SQLException {
        if (new BackendDatabases(superPool).list().contains(name)) return;
        sql("CREATE DATABASE " + name);
    }

    private static ConnectionSource asSuperuser() {
        return ConnectionSource.jdbc(superuser.host(), superuser.port(), superuser.user(), superuser.password());
    }

    @Test
    void aDatabaseThatCannotBeAdoptedDoesNotStopTheOthers() throws Exception {
        BackendDatabases databases = new BackendDatabases(superPool);
        PlatformRoles roles = new PlatformRoles(superPool, control);
        PlatformAdoption.Result result = PlatformAdoption.run(databases, roles, asSuperuser());
        assertThat(result.failures()).anySatisfy(f -> assertThat(f).startsWith("database adoptshut_main was not adopted").contains("no owner changes here"));
        assertThat(databases.owner("adoptopen_main")).isEqualTo("ssdb_adoptopen");
    }

    @Test
    void aPlatformWhoseRoleCannotBeTakenBackIsNotServedAndTheOthersAre() throws Exception {
        BackendDatabases databases = new BackendDatabases(superPool);
        PlatformRoles roles = new PlatformRoles(gatewayPool, control);
        PlatformAdoption.Result result = PlatformAdoption.run(databases, roles, asSuperuser());
        assertThat(result.failures()).anySatisfy(f -> assertThat(f)
                .startsWith("platform adoptsuper is not served: platform role ssdb_adoptsuper has [SUPERUSER]"));
        assertThat(roles.forDatabase("adoptsuper_main")).as("no login: never served as a superuser").isNull();
        assertThat(roles.refusal("adoptsuper_main")).contains("a superuser must revoke it");
        assertThat(databases.owner("adoptfine_main")).isEqualTo("ssdb_adoptfine");
        assertThat(roles.forDatabase("adoptfine_main")).isNotNull();
        assertThatThrownBy(() -> roles.ensure("adoptsuper")).isInstanceOf(SQLException.class);
        // Once a superuser has taken it back, the next check serves the platform again.
        sql("ALTER ROLE ssdb_adoptsuper NOSUPERUSER");
        try {
            assertThat(roles.ensure("adoptsuper").user()).isEqualTo("ssdb_adoptsuper");
            assertThat(roles.forDatabase("adoptsuper_main")).isNotNull();
            assertThat(roles.refusal("adoptsuper_main")).isNull();
        } finally {
            sql("ALTER ROLE ssdb_adoptsuper SUPERUSER");
        }
    }
}
