package org.stonescriptdb.gateway.isolation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.isolation.OneBackend.one;
import static org.stonescriptdb.gateway.isolation.OneBackend.rows;

/**
 * Transaction pooling over a pool of one backend connection: whatever SQL one client runs to change its session —
 * recognised by the gateway or not (DO blocks, functions, pg_settings, unicode escapes) — the next client of that
 * backend sees exactly what a new direct connection sees.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionIsolationTest {

    private static final String DB = "isolation_main";
    private static GatewayHarness gateway;

    /**
     * Everything a client could notice of a session another client left behind, a row each. Placeholder settings
     * ({@code plpgsql.*}) are left out: they appear once a library is loaded, which is no state of a client's.
     */
    private static final String SNAPSHOT = """
            select 'user ' || current_user || '/' || session_user
            union all select name || '=' || setting from pg_settings
             where context in ('user', 'superuser') and name <> 'application_name' and name not like '%.%'
            union all select 'temp objects ' || count(*) from pg_class where relnamespace = pg_my_temp_schema()
            union all select 'listening ' || count(*) from pg_listening_channels()
            union all select 'advisory locks ' || count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
            union all select 'held cursors ' || count(*) from pg_cursors where is_holdable
            union all select 'sql prepared ' || count(*) from pg_prepared_statements where from_sql""";

    /** Ways to change a session that a SQL classifier cannot be relied on to see. */
    static final List<String> HOSTILE = List.of(
            "create table pg_temp.victim (like public.victim)",
            "do $$ begin perform set_config('search_path', 'pg_temp, public', false); end $$",
            "do $$ begin execute 'set role isolation_lowpriv'; end $$",
            "do $$ begin execute 'set session authorization isolation_lowpriv'; end $$",
            "do $$ begin execute 'listen isolation_channel'; end $$",
            "do $$ begin perform pg_advisory_lock(4242); end $$",
            "select true and false or set_config('work_mem', '7777kB', false) is not null",
            "select set_config(U&'work\\005fmem', '8888kB', false)",
            "update pg_settings set setting = 'replica' where name = 'session_replication_role'",
            "do $$ begin execute 'set session_replication_role = replica'; end $$",
            "do $$ begin perform set_config('statement_timeout', '1', false); end $$",
            "do $$ begin perform set_config('lock_timeout', '1', false); end $$",
            "select set_config('default_transaction_read_only', 'on', false)",
            "do $$ begin perform set_config('DateStyle', 'SQL, DMY', false); end $$",
            "select nextval('victim_seq')",
            "declare isolation_cursor cursor with hold for select 1",
            "prepare isolation_prepared as select 1",
            "create temp view isolation_view as select 1",
            "select pg_advisory_lock_shared(77)");

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB,
                "do $$ begin if not exists (select from pg_roles where rolname = 'isolation_lowpriv') then create role isolation_lowpriv; end if; end $$",
                "create table if not exists victim (v int)",
                "create sequence if not exists victim_seq",
                "grant all on table victim to isolation_lowpriv");
        gateway = OneBackend.gateway(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    private static List<String> directSnapshot() throws SQLException {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("user", TestPostgres.SUPERUSER);
        try (Connection c = java.sql.DriverManager.getConnection(TestPostgres.directUrl(DB), p)) {
            return rows(c, SNAPSHOT);
        }
    }

    private static List<String> gatewaySnapshot() throws SQLException {
        try (Connection c = gateway.connect(DB)) {
            return rows(c, SNAPSHOT);
        }
    }

    private static List<String> snapshot(Properties props) throws SQLException {
        try (Connection c = gateway.connect(DB, props)) {
            return rows(c, SNAPSHOT);
        }
    }

    private static Properties protocol(boolean simple) {
        Properties p = GatewayHarness.clientProperties();
        if (simple) p.setProperty("preferQueryMode", "simple");
        return p;
    }

    /** Runs a hostile statement; a failure is the hostile client's own business. */
    private static void tryRun(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException ignored) {
            // e.g. a second LISTEN vector after DO-blocks disabled by an earlier statement_timeout=1
        }
    }

    private static int victimRows() throws SQLException {
        try (Connection c = TestPostgres.direct(DB)) {
            return Integer.parseInt(one(c, "select count(*) from victim"));
        }
    }

    @Test
    void aTempTableOfOneClientNeverCatchesTheNextClientsInsert() throws Exception {
        int before = victimRows();
        try (Connection hostile = gateway.connect(DB)) {
            tryRun(hostile, "create table pg_temp.victim (like public.victim)");
            try (Connection next = gateway.connect(DB); Statement st = next.createStatement()) {
                st.executeUpdate("insert into victim values (1)");
            }
            assertThat(victimRows()).as("the committed insert is in public.victim").isEqualTo(before + 1);
        }
    }

    @Test
    void roleAndSessionAuthorizationChangedInsideDoBlocksDoNotReachTheNextClient() throws Exception {
        try (Connection hostile = gateway.connect(DB)) {
            tryRun(hostile, "do $$ begin execute 'set role isolation_lowpriv'; end $$");
            try (Connection next = gateway.connect(DB)) {
                assertThat(one(next, "select current_user")).isEqualTo(TestPostgres.SUPERUSER);
            }
            tryRun(hostile, "do $$ begin execute 'set session authorization isolation_lowpriv'; end $$");
            try (Connection next = gateway.connect(DB)) {
                assertThat(one(next, "select session_user || '/' || current_user")).isEqualTo(TestPostgres.SUPERUSER + "/" + TestPostgres.SUPERUSER);
            }
        }
    }

    @Test
    void sessionReplicationRoleSetThroughPgSettingsDoesNotReachTheNextClient() throws Exception {
        try (Connection hostile = gateway.connect(DB)) {
            tryRun(hostile, "update pg_settings set setting = 'replica' where name = 'session_replication_role'");
            try (Connection next = gateway.connect(DB)) {
                assertThat(one(next, "show session_replication_role")).isEqualTo("origin");
            }
        }
    }

    @Test
    void listenAdvisoryLocksAndSequenceStateStayWithTheirClient() throws Exception {
        try (Connection hostile = gateway.connect(DB)) {
            tryRun(hostile, "do $$ begin execute 'listen isolation_channel'; perform pg_advisory_lock(4242); end $$");
            tryRun(hostile, "select nextval('victim_seq')");
            try (Connection next = gateway.connect(DB)) {
                assertThat(one(next, "select count(*) from pg_listening_channels()")).isEqualTo("0");
                assertThat(one(next, "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()")).isEqualTo("0");
                SQLException e = catchThrowableOfType(SQLException.class, () -> one(next, "select lastval()"));
                assertThat((Object) e).as("lastval of another client's nextval").isNotNull();
                assertThat(e.getSQLState()).isEqualTo("55000");
            }
        }
    }

    @Test
    void aStatementTimeoutOneClientLeftNeverFailsAnotherClientsLoginOrQuery() throws Exception {
        Properties tiny = GatewayHarness.clientProperties();
        tiny.setProperty("options", "-c statement_timeout=1");
        try (Connection hostile = gateway.connect(DB, tiny)) {
            for (int i = 0; i < 20; i++) {
                tryRun(hostile, "select pg_sleep(0.01)");
                tryRun(hostile, "do $$ begin perform set_config('statement_timeout', '1', false); perform set_config('lock_timeout', '1', false); end $$");
                try (Connection next = gateway.connect(DB)) {
                    assertThat(one(next, "select pg_sleep(0.005)::text || current_setting('statement_timeout')")).isEqualTo("0");
                }
            }
        }
    }

    /**
     * Both forms of the reset: {@code DISCARD ALL} while the backend holds none of the gateway's prepared statements
     * (every client here prepares nothing server-side), the statement-by-statement form (which keeps them) while it
     * does (the long-lived client prepares its query at once).
     */
    @ParameterizedTest(name = "backend holds gateway statements: {0}")
    @ValueSource(booleans = {false, true})
    void everyClientSeesWhatANewDirectConnectionSeesWhateverTheClientBeforeItDid(boolean backendHoldsStatements) throws Exception {
        List<String> expected = directSnapshot();
        assertThat(gatewaySnapshot()).as("a fresh client through the gateway").containsExactlyElementsOf(expected);
        long seed = Long.getLong("isolation.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Connection> open = new ArrayList<>();
        Properties longLivedProps = GatewayHarness.clientProperties();
        longLivedProps.setProperty("prepareThreshold", backendHoldsStatements ? "-1" : "0");
        if (!backendHoldsStatements) {
            // Statements earlier tests left on the one backend are closed at the next hand-over; later ones DISCARD ALL.
            try (Connection c = gateway.connect(DB); Statement st = c.createStatement()) {
                st.execute("discard all");
            }
        }
        long discardsBefore = gateway.proxy().counters().resetsDiscardAll();
        long statementResetsBefore = gateway.proxy().counters().resetsStatements();
        try (Connection longLived = gateway.connect(DB, longLivedProps)) {
            for (int i = 0; i < 60; i++) {
                String sql = HOSTILE.get(random.nextInt(HOSTILE.size()));
                long pinsBefore = gateway.proxy().counters().pinnedSessions();
                Properties hostileProps = protocol(random.nextBoolean());
                hostileProps.setProperty("prepareThreshold", "0");
                Connection hostile = gateway.connect(DB, hostileProps);
                boolean inTransaction = random.nextBoolean();
                if (inTransaction) hostile.setAutoCommit(false);
                tryRun(hostile, sql);
                if (inTransaction) {
                    try {
                        hostile.commit();
                    } catch (SQLException ignored) {
                        // a failed statement's transaction
                    }
                }
                // A client the gateway pinned holds the only backend until it leaves; the others may stay connected.
                boolean pinned = gateway.proxy().counters().pinnedSessions() > pinsBefore;
                if (pinned || random.nextBoolean()) hostile.close();
                else open.add(hostile);
                String context = "seed " + seed + ", step " + i + ": after " + sql;
                assertThat(snapshot(hostileProps)).as(context).containsExactlyElementsOf(expected);
                assertThat(rows(longLived, SNAPSHOT)).as(context + " (a client connected before)").containsExactlyElementsOf(expected);
            }
        } finally {
            for (Connection c : open) c.close();
        }
        long discards = gateway.proxy().counters().resetsDiscardAll() - discardsBefore;
        long statementResets = gateway.proxy().counters().resetsStatements() - statementResetsBefore;
        // Each of the 60 steps hands the backend over several times, but a client that comes back within the linger
        // window keeps it without a reset: how many depends on timing (30 were seen on a loaded machine). Ten show the form is the one used.
        if (backendHoldsStatements) assertThat(statementResets).as("resets that kept the statements").isGreaterThan(10);
        else assertThat(discards).as("resets with DISCARD ALL").isGreaterThan(10);
    }


    /** SESSION_RESET=off does what it says (as PgBouncer does): what a client left in its session stays there. */
    @Test
    void withSessionResetOffTheNextClientSeesWhatTheLastOneLeft() throws Exception {
        try (GatewayHarness trusting = OneBackend.gateway(Duration.ofSeconds(10), c -> c.withSessionReset(false));
             Connection hostile = trusting.connect(DB)) {
            tryRun(hostile, "do $$ begin perform set_config('work_mem', '7777kB', false); end $$");
            try (Connection next = trusting.connect(DB)) {
                assertThat(one(next, "show work_mem")).isEqualTo("7777kB");
            }
        }
    }

    /**
     * The reset goes out in front of the client's first messages, unawaited; they must still run as on a fresh
     * connection: statements that refuse a transaction block, an isolation level chosen at BEGIN, and a ROLLBACK that
     * must not undo the reset.
     */
    @Test
    void theFirstStatementsAfterAResetRunAsOnAFreshConnection() throws Exception {
        for (boolean simple : new boolean[] {false, true}) {
            try (Connection next = gateway.connect(DB, protocol(simple)); Connection hostile = gateway.connect(DB)) {
                String leave = "do $$ begin perform set_config('work_mem', '7777kB', false); end $$";
                tryRun(hostile, leave);
                try (Statement st = next.createStatement()) {
                    st.execute("vacuum victim");
                }
                long pins = gateway.proxy().counters().pinnedSessions();
                tryRun(hostile, leave);
                try (Statement st = next.createStatement()) {
                    st.execute("begin isolation level serializable");
                    assertThat(one(next, "show transaction_isolation")).isEqualTo("serializable");
                    st.execute("commit");
                }
                tryRun(hostile, leave);
                next.setAutoCommit(false);
                assertThat(one(next, "show work_mem")).as("read inside a transaction rolled back next").isEqualTo("4MB");
                next.rollback();
                next.setAutoCommit(true);
                assertThat(one(next, "show work_mem")).as("the rollback did not undo the reset (simple: " + simple + ")").isEqualTo("4MB");
                assertThat(gateway.proxy().counters().pinnedSessions()).as("nobody pinned: every step changed hands").isEqualTo(pins);
                try (Statement st = hostile.createStatement()) {
                    st.execute("select 1"); // the hostile client still gets the backend: it was never held
                }
            }
        }
    }

    /**
     * The reset shares the batch of the client's first messages: when the client's own first statement fails, the error
     * is the client's (its own SQLSTATE, not the gateway's 08006), the reset still took effect, and the backend serves on.
     */
    @ParameterizedTest(name = "simple protocol: {0}")
    @ValueSource(booleans = {false, true})
    void aClientsFailingFirstStatementAfterAResetIsItsOwnError(boolean simple) throws Exception {
        try (Connection next = gateway.connect(DB, protocol(simple)); Connection hostile = gateway.connect(DB)) {
            tryRun(hostile, "do $$ begin perform set_config('work_mem', '7777kB', false); end $$");
            SQLException e = catchThrowableOfType(SQLException.class, () -> {
                try (Statement st = next.createStatement()) {
                    st.executeQuery("select * from no_such_table_here");
                }
            });
            assertThat((Object) e).isNotNull();
            assertThat(e.getSQLState()).as("the client's own error").isEqualTo("42P01");
            assertThat(one(next, "show work_mem")).as("the reset ran before it").isEqualTo("4MB");
            tryRun(hostile, "do $$ begin perform set_config('work_mem', '7777kB', false); end $$");
            assertThat(one(next, "show work_mem")).as("and runs again at the next hand-over").isEqualTo("4MB");
        }
    }

    /**
     * A reset that cannot finish — another session locks a temporary table the last client left, so DISCARD TEMP
     * waits — ends after CONNECTION_TIMEOUT_SECS: that backend is closed, the waiting client is told nothing of its
     * request ran, and its next request works on a fresh backend. With either protocol: a simple Query behind the reset
     * is skipped by the server as an extended batch is.
     */
    @ParameterizedTest(name = "simple protocol: {0}")
    @ValueSource(booleans = {false, true})
    void aResetThatCannotFinishFailsClosedAndTheClientGoesOn(boolean simple) throws Exception {
        try (GatewayHarness quick = OneBackend.gateway(Duration.ofSeconds(2));
             Connection next = quick.connect(DB, protocol(simple));
             Connection hostile = quick.connect(DB);
             Connection locker = TestPostgres.direct(DB)) {
            int before = victimRows();
            lockATemporaryTableItLeaves(hostile, locker);
            SQLException e = catchThrowableOfType(SQLException.class, () -> {
                try (Statement st = next.createStatement()) {
                    st.executeUpdate("insert into victim values (2)");
                }
            });
            assertThat((Object) e).as("the request behind a reset that never finished").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("08006");
            assertThat(e.getMessage()).contains("nothing of it ran");
            locker.rollback();
            for (int i = 0; i < 10; i++) {
                assertThat(victimRows()).as("the insert did not run, not even once the lock was gone").isEqualTo(before);
                Thread.sleep(50); // watching for half a second that nothing happens: no condition to wait for
            }
            try (Statement st = next.createStatement()) {
                st.executeUpdate("insert into victim values (3)");
            }
            assertThat(victimRows()).isEqualTo(before + 1);
            assertThat(one(next, "select count(*) from pg_class where relnamespace = pg_my_temp_schema()")).isEqualTo("0");
        }
    }

    /**
     * The hostile client leaves a temporary table behind, and {@code locker} (a session outside the gateway) holds a lock
     * on it until it rolls back: the next reset's DISCARD TEMP waits for that lock.
     */
    private static void lockATemporaryTableItLeaves(Connection hostile, Connection locker) throws SQLException {
        tryRun(hostile, "create table pg_temp.held (x int)");
        String table = one(hostile, "select pg_my_temp_schema()::regnamespace::text") + ".held";
        locker.setAutoCommit(false);
        try (Statement st = locker.createStatement()) {
            st.execute("lock table " + table + " in access share mode");
        }
    }

    /**
     * A reset that fails while the client's messages are already on their way behind it (here the client's own cancel
     * interrupts it): the server skips them (the reset and they are one batch, or a check stands between them), so they
     * never run on a session that was not reset. With either protocol.
     */
    @ParameterizedTest(name = "simple protocol: {0}")
    @ValueSource(booleans = {false, true})
    void messagesSentBehindAFailedResetNeverRun(boolean simple) throws Exception {
        try (Connection next = gateway.connect(DB, protocol(simple)); Connection hostile = gateway.connect(DB); Connection locker = TestPostgres.direct(DB)) {
            int before = victimRows();
            lockATemporaryTableItLeaves(hostile, locker);
            try (Statement st = next.createStatement()) {
                java.util.concurrent.CompletableFuture<Object> insert = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return st.executeUpdate("insert into victim values (4)");
                    } catch (SQLException e) {
                        return e;
                    }
                });
                TestPostgres.awaitActiveQuery(DB, "DISCARD "); // DISCARD ALL, or DISCARD TEMP of the longer form
                st.cancel();
                Object outcome = insert.get(10, TimeUnit.SECONDS);
                assertThat(outcome).as("the insert behind the failed reset").isInstanceOf(SQLException.class);
            }
            locker.rollback();
            for (int i = 0; i < 10; i++) {
                assertThat(victimRows()).as("the insert never ran").isEqualTo(before);
                Thread.sleep(50); // watching for half a second that nothing happens: no condition to wait for
            }
            assertThat(one(next, "select count(*) from pg_class where relnamespace = pg_my_temp_schema()")).isEqualTo("0");
        }
    }

    /**
     * A backend opened for a client starts with that client's application_name, so the reset (RESET ALL goes back to a
     * session's start-up values) leaves it as clients of the same application want it, with nothing to replay.
     */
    @Test
    void aBackendStartsWithTheApplicationNameOfTheClientItWasOpenedFor() throws Exception {
        Properties alpha = GatewayHarness.clientProperties();
        alpha.setProperty("ApplicationName", "alpha-app");
        alpha.setProperty("assumeMinServerVersion", "12"); // so pgjdbc sends it in the start-up packet, as libpq does
        try (GatewayHarness fresh = OneBackend.gateway(Duration.ofSeconds(10));
             Connection first = fresh.connect(DB, alpha);
             Connection other = fresh.connect(DB)) {
            assertThat(one(other, "select reset_val || '/' || setting from pg_settings where name = 'application_name'"))
                    .isEqualTo("alpha-app/PostgreSQL JDBC Driver");
            assertThat(one(first, "show application_name")).isEqualTo("alpha-app");
        }
    }

    /**
     * The same, with clients at once: hostile clients and checking clients run side by side over three backends, so
     * hand-overs happen in every order. Every check must see a fresh session.
     */
    @Test
    void concurrentClientsNeverSeeEachOthersSessions() throws Exception {
        List<String> expected = directSnapshot();
        long seed = Long.getLong("isolation.seed", System.nanoTime());
        try (GatewayHarness two = OneBackend.gateway(Duration.ofSeconds(20), c -> c.withPoolLimits(3, 200, 50))) {
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(6);
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                Random random = new Random(seed + t);
                boolean checker = t % 2 == 0;
                Connection[] hostile = new Connection[1];
                results.add(threads.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        if (checker) {
                            try (Connection c = two.connect(DB, protocol(random.nextBoolean()))) {
                                List<String> seen = rows(c, SNAPSHOT);
                                if (!seen.equals(expected)) {
                                    List<String> diff = new ArrayList<>(seen);
                                    diff.removeAll(expected);
                                    return "step " + i + " saw " + diff;
                                }
                            }
                        } else {
                            // A hostile client stays connected, so what it left stays on the backends it gives back; one
                            // the gateway pinned (it holds a backend until it leaves) leaves at once.
                            long pins = two.proxy().counters().pinnedSessions();
                            if (hostile[0] == null) hostile[0] = two.connect(DB, protocol(random.nextBoolean()));
                            tryRun(hostile[0], HOSTILE.get(random.nextInt(HOSTILE.size())));
                            if (two.proxy().counters().pinnedSessions() != pins) {
                                hostile[0].close();
                                hostile[0] = null;
                            }
                        }
                    }
                    if (hostile[0] != null) hostile[0].close();
                    return null;
                }));
            }
            threads.shutdown();
            for (java.util.concurrent.Future<String> r : results) {
                assertThat(r.get(100, TimeUnit.SECONDS)).as("seed " + seed).isNull();
            }
        }
    }

    /**
     * A login on a backend waits for its reset; one that cannot finish (DISCARD TEMP waits for a lock) is given up after
     * CONNECTION_TIMEOUT_SECS, that backend closed, and the client logs in on a new one. (Startup settings no backend
     * has accepted yet, so the login is not greeted without a backend.)
     */
    @Test
    void aLoginWhoseResetCannotFinishGetsAnotherBackend() throws Exception {
        try (GatewayHarness quick = OneBackend.gateway(Duration.ofSeconds(2));
             Connection hostile = quick.connect(DB);
             Connection locker = TestPostgres.direct(DB)) {
            int hung = Integer.parseInt(one(hostile, "select pg_backend_pid()"));
            lockATemporaryTableItLeaves(hostile, locker);
            Properties newSettings = GatewayHarness.clientProperties();
            newSettings.setProperty("options", "-c lock_timeout=1234");
            try (Connection next = quick.connect(DB, newSettings)) {
                assertThat(Integer.parseInt(one(next, "select pg_backend_pid()"))).as("a new backend").isNotEqualTo(hung);
                assertThat(one(next, "select count(*) from pg_class where relnamespace = pg_my_temp_schema()")).isEqualTo("0");
            } finally {
                locker.rollback();
            }
        }
    }
}
