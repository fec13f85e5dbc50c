package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.testing.Catalog;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Deploys run as the database's owner, no superuser (as the gateway deploys, as the platform's role). An untrusted
 * extension a bundle needs is installed by an administrative login only when it is allowed, just before the deploy's
 * transaction; the owner never gains a privilege.
 */
class UntrustedExtensionTest {

    /** Stands for a platform's role: LOGIN only, owner of its databases. */
    private static final String OWNER = "ext_owner";
    /** Stands for the gateway's login on an external server: CREATEDB CREATEROLE, a member of the owner role, no superuser. */
    private static final String ADMIN = "ext_admin";

    private final Bundle clinic = TestBundles.clinic();

    @BeforeAll
    static void roles() {
        TestPostgres.execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + OWNER + "') THEN "
                + "CREATE ROLE " + OWNER + " LOGIN; END IF; END $$");
        TestPostgres.execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + ADMIN + "') THEN "
                + "CREATE ROLE " + ADMIN + " LOGIN CREATEDB CREATEROLE; END IF; END $$");
        TestPostgres.execute("postgres", "GRANT " + OWNER + " TO " + ADMIN);
    }

    /** A database as the gateway leaves one: owned by the owner role, closed to PUBLIC. */
    private static String ownedDatabase(String prefix) {
        String db = TestPostgres.newDatabase(prefix);
        TestPostgres.execute("postgres", "ALTER DATABASE " + db + " OWNER TO " + OWNER);
        TestPostgres.execute("postgres", "REVOKE CONNECT, TEMPORARY ON DATABASE " + db + " FROM PUBLIC");
        TestPostgres.execute(db, "ALTER SCHEMA public OWNER TO " + OWNER);
        return db;
    }

    private static ConnectionSource as(String login) {
        return ConnectionSource.jdbc("127.0.0.1", TestPostgres.port(), login, "");
    }

    /** Deploys as the owner; {@code allowed} installed, when needed, by the superuser. */
    private static SchemaEngine allowing(String... allowed) {
        return new SchemaEngine(as(OWNER), UntrustedExtensions.installedAs("postgres", Set.of(allowed), TestDatabases.connections()));
    }

    private Bundle clinicWith(String... extensions) {
        Bundle b = clinic;
        for (String e : extensions) b = TestBundles.with(b, "extensions/" + e + ".sql", "-- needed by the platform\n");
        return b;
    }

    private static String extension(String db, String name) {
        return TestPostgres.queryOne(db, "SELECT pg_get_userbyid(extowner) || ' ' || extnamespace::regnamespace"
                + " FROM pg_extension WHERE extname = '" + name + "'");
    }

    private static String patientsTable(String db) {
        return TestPostgres.queryOne(db, "SELECT count(*) FROM pg_class WHERE relname = 'patients'");
    }

    @Test
    void anUntrustedExtensionNotListedIsRefusedNamingTheSettingAndNothingIsInstalled() {
        String db = ownedDatabase("untrusted_unlisted");
        String before = Catalog.fingerprint(db);

        DatabaseResult r = allowing("postgres_fdw").deploy(clinicWith("dblink"), db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("extensions/dblink.sql");
        assertThat(r.failure().message()).contains("extension 'dblink' is not trusted").contains("UNTRUSTED_EXTENSIONS")
                .contains("have a DBA run CREATE EXTENSION \"dblink\"");
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
    }

    @Test
    void aListedExtensionIsInstalledByTheAdministrativeLoginAndTheOwnerGainsNothing() throws Exception {
        String db = ownedDatabase("untrusted_listed");
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(ExtensionInstaller.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        DatabaseResult r;
        try {
            r = allowing("dblink").deploy(clinicWith("dblink"), db, DeployOptions.DEFAULT);
        } finally {
            log.removeHandler(capture);
        }

        assertThat(r.status()).as(String.valueOf(r.failure())).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.changes()).contains(new AppliedChange("extension", "dblink", "created", "extensions/dblink.sql"));
        assertThat(extension(db, "dblink")).as("installed by the superuser").isEqualTo("postgres public");
        assertThat(extension(db, "pgcrypto")).as("a trusted one, still by the owner").isEqualTo(OWNER + " public");
        assertThat(TestPostgres.queryOne(db, "SELECT tableowner FROM pg_tables WHERE tablename = 'patients'")).isEqualTo(OWNER);
        assertThat(logged).singleElement().satisfies(l -> {
            assertThat(l.getLevel()).isEqualTo(Level.INFO);
            assertThat(l.getMessage()).contains("dblink").contains("database " + db).contains("as postgres");
        });

        assertThat(TestPostgres.queryOne("postgres", "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '"
                + OWNER + "'")).isEqualTo("f");
        try (Connection owner = connect(db, OWNER); Statement s = owner.createStatement()) {
            SQLException refused = catchThrowableOfType(SQLException.class, () -> s.execute("CREATE EXTENSION postgres_fdw"));
            assertThat((Object) refused).as("the owner still may not install an untrusted extension itself").isNotNull();
            assertThat(refused.getSQLState()).isEqualTo("42501");
        }
        assertThat(allowing("dblink").deploy(clinicWith("dblink"), db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    @Test
    void aListedExtensionGetsTheBundlesSchemaOwnedByTheDatabasesOwnerAndItsVersion() {
        String db = ownedDatabase("untrusted_schema");
        Bundle b = TestBundles.with(clinic, "extensions/dblink.sql", "-- schema: links\n-- version: 1.2\n");

        DatabaseResult r = allowing("dblink").deploy(b, db, DeployOptions.DEFAULT);

        assertThat(r.status()).as(String.valueOf(r.failure())).isEqualTo(DeployStatus.APPLIED);
        assertThat(extension(db, "dblink")).isEqualTo("postgres links");
        assertThat(TestPostgres.queryOne(db, "SELECT extversion FROM pg_extension WHERE extname = 'dblink'")).isEqualTo("1.2");
        assertThat(TestPostgres.queryOne(db, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'links'")).isEqualTo(OWNER);
    }

    @Test
    void anAdministrativeLoginThatMayNotInstallItFailsTheDeployCleanlyWithTheWayOut() {
        String db = ownedDatabase("untrusted_refused");
        String before = Catalog.fingerprint(db);
        SchemaEngine engine = new SchemaEngine(as(OWNER), UntrustedExtensions.installedAs(ADMIN, Set.of("dblink"), as(ADMIN)));

        DatabaseResult r = engine.deploy(clinicWith("dblink"), db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("extensions/dblink.sql");
        assertThat(r.failure().sqlState()).isEqualTo("42501");
        assertThat(r.failure().message()).contains("extension 'dblink' is allowed by UNTRUSTED_EXTENSIONS")
                .contains("login " + ADMIN + " could not install it in database " + db)
                .contains("permission denied to create extension \"dblink\"")
                .contains("have a DBA run CREATE EXTENSION \"dblink\" in this database once");
        assertThat(Catalog.fingerprint(db)).as("nothing of the deploy, no extension").isEqualTo(before);
        assertThat(patientsTable(db)).isEqualTo("0");
    }

    @Test
    void aDeployRefusedForAnotherExtensionInstallsNothingEvenWhatIsListed() {
        String db = ownedDatabase("untrusted_mixed");
        String before = Catalog.fingerprint(db);

        DatabaseResult r = allowing("dblink").deploy(clinicWith("dblink", "postgres_fdw"), db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("extensions/postgres_fdw.sql");
        assertThat(r.failure().message()).contains("extension 'postgres_fdw' is not trusted").contains("UNTRUSTED_EXTENSIONS");
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
    }

    @Test
    void aDryRunInstallsNothingAndSaysWhatADeployWouldDo() {
        String db = ownedDatabase("untrusted_dry");
        String before = Catalog.fingerprint(db);

        DatabaseResult plan = allowing("dblink").plan(clinicWith("dblink"), db, DeployOptions.DEFAULT);

        assertThat(plan.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(plan.failure().message()).contains("a deploy would have the gateway's login postgres install it first")
                .contains("a dry run changes nothing");
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
        assertThat(allowing("dblink").deploy(clinicWith("dblink"), db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(allowing("dblink").plan(clinicWith("dblink"), db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    /** The extension is installed outside the deploy's transaction: a deploy that fails later keeps it, harmlessly. */
    @Test
    void aDeployFailingLaterKeepsTheInstalledExtensionAndTheNextOneFindsIt() {
        String db = ownedDatabase("untrusted_later");
        Bundle broken = TestBundles.with(clinicWith("dblink"), "migrations/20_broken.pssql", "UPDATE no_such_table SET x = 1;");

        DatabaseResult failed = allowing("dblink").deploy(broken, db, DeployOptions.DEFAULT);

        assertThat(failed.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(failed.failure().file()).isEqualTo("migrations/20_broken.pssql");
        assertThat(patientsTable(db)).isEqualTo("0");
        assertThat(extension(db, "dblink")).isEqualTo("postgres public");
        // Even with nothing allowed any more, the next deploy finds it installed and leaves it be.
        DatabaseResult next = new SchemaEngine(as(OWNER)).deploy(clinicWith("dblink"), db, DeployOptions.DEFAULT);
        assertThat(next.status()).as(String.valueOf(next.failure())).isEqualTo(DeployStatus.APPLIED);
        assertThat(next.changes()).noneMatch(c -> c.kind().equals("extension") && c.object().equals("dblink"));
    }

    @Test
    void theInstallerInstallsNothingNotListed() {
        String db = ownedDatabase("untrusted_direct");
        UntrustedExtensions installer = UntrustedExtensions.installedAs("postgres", Set.of("dblink"), TestDatabases.connections());
        var spec = new org.stonescriptdb.gateway.schema.plan.ExtensionSpec("postgres_fdw", null, null, null);

        SQLException e = catchThrowableOfType(SQLException.class,
                () -> installer.install(db, spec, DeployOptions.DEFAULT.lockTimeout()));

        assertThat((Object) e).isNotNull();
        assertThat(e.getMessage()).contains("not allowed by UNTRUSTED_EXTENSIONS");
        assertThat(extension(db, "postgres_fdw")).isNull();
    }

    private static Connection connect(String db, String login) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", login);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + TestPostgres.port() + "/" + db, p);
    }
}
