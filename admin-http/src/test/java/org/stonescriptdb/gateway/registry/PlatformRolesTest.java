package org.stonescriptdb.gateway.registry;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.ControlPool;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.support.TestBackend;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's own login needs only CREATEDB and CREATEROLE (docs/security.md) to serve a new platform. */
class PlatformRolesTest {

    /**
     * Since PostgreSQL 16 a CREATEROLE login that creates a role is only its administrator (ADMIN OPTION, neither
     * INHERIT nor SET): it may not yet make the role a database's owner until it grants itself the membership.
     */
    @Test
    void aLoginWithOnlyCreatedbAndCreateroleCreatesANewPlatformsDatabaseOwnedByItsRoleAndDropsIt() throws Exception {
        BackendTarget superuser = TestBackend.target();
        BackendTarget gateway = new BackendTarget(superuser.host(), superuser.port(), "postgres", "roles_gw", "roles-secret");
        try (HikariDataSource asSuperuser = ControlPool.create(superuser)) {
            try (Connection c = asSuperuser.getConnection(); Statement s = c.createStatement()) {
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'roles_gw') THEN"
                        + " CREATE ROLE roles_gw LOGIN CREATEDB CREATEROLE PASSWORD 'roles-secret'; END IF; END $$");
            }
            try (HikariDataSource asGateway = ControlPool.create(gateway);
                 ControlDatabase control = ControlDatabase.open(superuser, new BackendDatabases(asSuperuser), Duration.ofSeconds(5))) {
                PlatformRoles roles = new PlatformRoles(asGateway, control);
                BackendDatabases databases = new BackendDatabases(asGateway);
                DatabaseName main = DatabaseName.main("rolesfresh");

                BackendLogin login = roles.ensure("rolesfresh");

                assertThat(databases.create(main, null, login.user())).isTrue();
                assertThat(databases.owner(main.text())).isEqualTo("ssdb_rolesfresh");
                assertThat(databases.drop(main)).isTrue();
                assertThat(databases.exists(main.text())).isFalse();
            }
        }
    }
}
