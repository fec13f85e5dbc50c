package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.txn.Txn.one;
import static org.stonescriptdb.gateway.txn.Txn.pid;

/** pgjdbc through the gateway in transaction mode, with more clients than backend connections. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TxnJdbcTest {

    private static final String DB = "txnjdbc_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB,
                "create table if not exists hits (client int, n int)",
                "create table if not exists ledger (client int, n int)",
                "create table if not exists batched (client int, n int)",
                "create table if not exists ro_target (v int)");
    }

    private static Properties props(String... keyValues) {
        Properties p = GatewayHarness.clientProperties();
        for (int i = 0; i < keyValues.length; i += 2) p.setProperty(keyValues[i], keyValues[i + 1]);
        return p;
    }

    private static void run(int threads, List<? extends Callable<?>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (var t : tasks) futures.add(pool.submit(t));
            for (Future<?> f : futures) f.get(50, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- concurrency ----

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(ints = {5, 1})
    void fiftyClientsShareFiveBackendsWithPreparedStatementsAndNoErrors(int prepareThreshold) throws Exception {
        int clients = 50;
        int iterations = 12;
        TestPostgres.execute(DB, "delete from hits where client >= " + prepareThreshold * 1000 + " and client < " + (prepareThreshold + 1) * 1000);
        // The sampler below counts every session on the database: first let the backends of earlier runs (the last
        // invocation's gateway, the delete's connection) finish exiting.
        Await.until(Duration.ofSeconds(10), () -> TestPostgres.backendSessions(DB) == 0, "earlier sessions on " + DB + " to exit");
        try (GatewayHarness gw = Txn.gateway(5)) {
            Set<Integer> pids = ConcurrentHashMap.newKeySet();
            List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger backendPeak = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    backendPeak.accumulateAndGet(TestPostgres.backendSessions(DB), Math::max);
                    try {
                        Thread.sleep(50); // the sampling period, not a wait for anything
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long before = gw.proxy().counters().transactions();
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = prepareThreshold * 1000 + c;
                tasks.add(() -> {
                    try (Connection conn = gw.connect(DB, props("prepareThreshold", String.valueOf(prepareThreshold)));
                         PreparedStatement select = conn.prepareStatement("select ?::int * 2, pg_backend_pid()");
                         PreparedStatement insert = conn.prepareStatement("insert into hits values (?, ?)")) {
                        for (int i = 0; i < iterations; i++) {
                            select.setInt(1, client + i);
                            try (ResultSet rs = select.executeQuery()) {
                                assertThat(rs.next()).isTrue();
                                assertThat(rs.getInt(1)).isEqualTo(2 * (client + i));
                                pids.add(rs.getInt(2));
                                assertThat(rs.next()).isFalse();
                            }
                            insert.setInt(1, client);
                            insert.setInt(2, i);
                            assertThat(insert.executeUpdate()).isEqualTo(1);
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                    return null;
                });
            }
            try {
                run(clients, tasks);
            } finally {
                sampling.set(false);
                sampler.join(2000);
            }
            assertThat(errors).as("client errors").isEmpty();
            assertThat(pids).as("backend pids seen by 50 clients").hasSizeBetween(1, 5);
            assertThat(backendPeak.get()).as("backend sessions on " + DB).isLessThanOrEqualTo(5);
            assertThat(gw.proxy().counters().transactions() - before).as("transactions served").isGreaterThanOrEqualTo((long) clients * iterations * 2);
        }
        assertThat(Txn.direct(DB, "select count(*) from hits where client >= ? and client < ?", prepareThreshold * 1000, (prepareThreshold + 1) * 1000))
                .isEqualTo(String.valueOf(clients * iterations));
    }

    @Test
    void batchesRunWholeWithAutocommitOnAndOff() throws Exception {
        TestPostgres.execute(DB, "truncate batched");
        int clients = 4;
        try (GatewayHarness gw = Txn.gateway(2)) {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                tasks.add(() -> {
                    try (Connection conn = gw.connect(DB, props("prepareThreshold", "1"))) {
                        for (int round = 0; round < 3; round++) {
                            conn.setAutoCommit(round % 2 == 0);
                            try (PreparedStatement ps = conn.prepareStatement("insert into batched values (?, ?)")) {
                                for (int i = 0; i < 150; i++) {
                                    ps.setInt(1, client);
                                    ps.setInt(2, round * 1000 + i);
                                    ps.addBatch();
                                }
                                int[] counts = ps.executeBatch();
                                assertThat(counts).hasSize(150);
                                for (int n : counts) assertThat(n).isIn(1, Statement.SUCCESS_NO_INFO);
                            }
                            try (Statement st = conn.createStatement()) {
                                st.addBatch("insert into batched values (" + client + ", -1)");
                                st.addBatch("delete from batched where client = " + client + " and n = -1");
                                assertThat(st.executeBatch()).containsExactly(1, 1);
                            }
                            if (!conn.getAutoCommit()) conn.commit();
                        }
                    }
                    return null;
                });
            }
            run(clients, tasks);
        }
        for (int c = 0; c < clients; c++) {
            assertThat(Txn.direct(DB, "select count(*) from batched where client = ?", c)).isEqualTo("450");
        }
    }

    @Test
    void autocommitOffKeepsOneBackendPerTransactionAndCommitsOrRollsBack() throws Exception {
        TestPostgres.execute(DB, "truncate ledger");
        int clients = 4;
        try (GatewayHarness gw = Txn.gateway(2)) {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                tasks.add(() -> {
                    try (Connection conn = gw.connect(DB)) {
                        conn.setAutoCommit(false);
                        for (int i = 0; i < 10; i++) {
                            // pgjdbc sends BEGIN in the same batch as this first statement.
                            try (PreparedStatement ps = conn.prepareStatement("insert into ledger values (?, ?)")) {
                                ps.setInt(1, client);
                                ps.setInt(2, i);
                                ps.executeUpdate();
                            }
                            int first = pid(conn);
                            Thread.sleep(5); // let the other clients run in between
                            assertThat(one(conn, "select count(*) from ledger where client = " + client + " and n = " + i)).isEqualTo("1");
                            assertThat(pid(conn)).as("backend within one transaction").isEqualTo(first);
                            if (i % 2 == 0) conn.commit();
                            else conn.rollback();
                        }
                        conn.setAutoCommit(true);
                        assertThat(one(conn, "select count(*) from ledger where client = " + client)).isEqualTo("5");
                    }
                    return null;
                });
            }
            run(clients, tasks);
        }
        assertThat(Txn.direct(DB, "select string_agg(distinct n::text, ',' order by n::text) from ledger")).isEqualTo("0,2,4,6,8");
        assertThat(Txn.direct(DB, "select count(*) from ledger")).isEqualTo(String.valueOf(clients * 5));
    }

    @Test
    void fetchSizeCursorsInsideATransactionSurviveOtherClients() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2)) {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                tasks.add(() -> {
                    try (Connection conn = gw.connect(DB)) {
                        conn.setAutoCommit(false);
                        try (PreparedStatement a = conn.prepareStatement("select g from generate_series(1, 500) g");
                             PreparedStatement b = conn.prepareStatement("select g * 10 from generate_series(1, 300) g")) {
                            a.setFetchSize(7);
                            b.setFetchSize(11);
                            long sumA = 0;
                            long sumB = 0;
                            int rowsA = 0;
                            try (ResultSet ra = a.executeQuery(); ResultSet rb = b.executeQuery()) {
                                boolean moreA = true;
                                boolean moreB = true;
                                // Two suspended portals of one transaction, fetched alternately.
                                while (moreA || moreB) {
                                    if (moreA && (moreA = ra.next())) {
                                        sumA += ra.getLong(1);
                                        rowsA++;
                                    }
                                    if (moreB && (moreB = rb.next())) sumB += rb.getLong(1);
                                    if (rowsA % 50 == 0) Thread.sleep(1); // let the other clients in between fetches
                                }
                            }
                            assertThat(rowsA).isEqualTo(500);
                            assertThat(sumA).isEqualTo(125_250);
                            assertThat(sumB).isEqualTo(451_500);
                        }
                        conn.commit();
                    }
                    return null;
                });
            }
            // A client without cursors keeps the other backend busy meanwhile.
            tasks.add(() -> {
                try (Connection conn = gw.connect(DB)) {
                    for (int i = 0; i < 40; i++) assertThat(one(conn, "select " + i)).isEqualTo(String.valueOf(i));
                }
                return null;
            });
            run(4, tasks);
        }
    }

    @Test
    void metadataOfANamedStatementAfterTheClientMovedToAnotherBackend() throws Exception {
        String sql = "select ?::int4 as a, ?::text as b, now() as c";
        try (GatewayHarness gw = Txn.gateway(2);
             Connection a = gw.connect(DB, props("prepareThreshold", "1"));
             Connection holder = gw.connect(DB)) {
            int first;
            try (PreparedStatement ps = a.prepareStatement(sql)) {
                ps.setInt(1, 1);
                ps.setString(2, "x");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
                first = pid(a);
            }
            // The holder takes the backend the statement was prepared on (the most recently released one).
            holder.setAutoCommit(false);
            int held = pid(holder);
            try (PreparedStatement ps = a.prepareStatement(sql)) {
                ResultSetMetaData md = ps.getMetaData();
                assertThat(md.getColumnCount()).isEqualTo(3);
                assertThat(md.getColumnName(1)).isEqualTo("a");
                assertThat(md.getColumnType(1)).isEqualTo(Types.INTEGER);
                assertThat(md.getColumnName(2)).isEqualTo("b");
                assertThat(md.getColumnTypeName(3)).isEqualTo("timestamptz");
                ParameterMetaData pmd = ps.getParameterMetaData();
                assertThat(pmd.getParameterCount()).isEqualTo(2);
                assertThat(pmd.getParameterType(1)).isEqualTo(Types.INTEGER);
                assertThat(pmd.getParameterType(2)).isEqualTo(Types.VARCHAR);
                ps.setInt(1, 42);
                ps.setString(2, "moved");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(42);
                    assertThat(rs.getString(2)).isEqualTo("moved");
                }
            }
            assertThat(pid(a)).as("a runs elsewhere while the holder keeps backend " + held).isNotEqualTo(held);
            assertThat(first).isPositive();
            holder.commit();
        }
    }

    // ---- reported parameters ----

    @Test
    void reportedParametersFollowTheClientAcrossBackendsAndNeverLeak() throws Exception {
        String settings = "select current_setting('TimeZone') || '|' || current_setting('DateStyle') || '|' "
                + "|| current_setting('application_name') || '|' || current_setting('IntervalStyle')";
        try (GatewayHarness gw = Txn.gateway(2);
             Connection a = gw.connect(DB);
             Connection b = gw.connect(DB);
             Connection c = gw.connect(DB)) {
            String defaultsB = one(b, settings);
            String defaultsC = one(c, settings);
            try (Statement st = a.createStatement()) {
                st.execute("set TimeZone = 'Asia/Kolkata'");
                st.execute("set DateStyle = 'ISO, DMY'");
                st.execute("set application_name = 'txn-client-a'");
                st.execute("set IntervalStyle = 'iso_8601'");
            }
            int setOn = pid(a);
            String mine = "Asia/Kolkata|ISO, DMY|txn-client-a|iso_8601";
            assertThat(one(a, settings)).isEqualTo(mine);
            Set<Integer> aPids = new HashSet<>();
            Set<Integer> othersPids = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                Connection holder = i % 2 == 0 ? b : c;
                Connection other = i % 2 == 0 ? c : b;
                holder.setAutoCommit(false);
                othersPids.add(pid(holder));
                assertThat(one(holder, settings)).isEqualTo(holder == b ? defaultsB : defaultsC);
                // a must run on the backend the holder does not have.
                assertThat(one(a, settings)).isEqualTo(mine);
                assertThat(one(a, "select extract(timezone_hour from now())")).isEqualTo("5");
                assertThat(one(a, "select interval '1 day'")).isEqualTo("P1D");
                aPids.add(pid(a));
                holder.commit();
                holder.setAutoCommit(true);
                othersPids.add(pid(other));
                assertThat(one(other, settings)).isEqualTo(other == b ? defaultsB : defaultsC);
            }
            aPids.add(setOn);
            assertThat(aPids).as("backends that served client a").hasSizeGreaterThanOrEqualTo(2);
            assertThat(othersPids).as("backends that served b and c").contains(setOn);
            // The client's reported values are what pgjdbc last saw in ParameterStatus.
            assertThat(((org.postgresql.core.BaseConnection) a).getQueryExecutor().getParameterStatus("TimeZone")).isEqualTo("Asia/Kolkata");
            assertThat(one(a, "show application_name")).isEqualTo("txn-client-a");
        }
    }

    // ---- pinning ----

    /** Runs {@code check} on {@code backends} connections at once, each in a transaction, so every backend answers. */
    private static List<String> onEveryBackend(GatewayHarness gw, int backends, String check) throws Exception {
        List<Connection> conns = new ArrayList<>();
        try {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < backends; i++) {
                Connection c = gw.connect(DB);
                conns.add(c);
                c.setAutoCommit(false);
                out.add(pid(c) + ":" + one(c, check));
            }
            return out;
        } finally {
            for (Connection c : conns) {
                c.rollback();
                c.close();
            }
        }
    }

    private static void assertResetOrClosed(int pid) throws Exception {
        assertThat(Txn.eventually(Duration.ofSeconds(5), () -> {
            String last = Txn.lastQueryOf(pid);
            return last == null || last.equalsIgnoreCase("DISCARD ALL");
        })).as("backend " + pid + " ran DISCARD ALL (or was closed) after its pinned client left; last query: " + Txn.lastQueryOf(pid)).isTrue();
    }

    @Test
    void setOfAnUnreportedParameterPinsTheBackendAndItIsResetBeforeReuse() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2)) {
            String defaultWorkMem = Txn.direct(DB, "show work_mem");
            long pinnedBefore = gw.proxy().counters().pinnedSessions();
            int pinned;
            try (Connection a = gw.connect(DB); Connection b = gw.connect(DB)) {
                try (Statement st = a.createStatement()) {
                    st.execute("set work_mem = '7MB'");
                }
                pinned = pid(a);
                assertThat(gw.proxy().counters().pinnedSessions() - pinnedBefore).isEqualTo(1);
                for (int i = 0; i < 5; i++) {
                    assertThat(pid(b)).as("another client never gets the pinned backend").isNotEqualTo(pinned);
                    assertThat(one(b, "show work_mem")).isEqualTo(defaultWorkMem);
                    assertThat(pid(a)).isEqualTo(pinned);
                    assertThat(one(a, "show work_mem")).isEqualTo("7MB");
                }
                assertThat(gw.proxy().counters().pinnedSessions() - pinnedBefore).as("pinned once per session").isEqualTo(1);
            }
            assertResetOrClosed(pinned);
            assertThat(onEveryBackend(gw, 2, "show work_mem")).allSatisfy(s -> assertThat(s).endsWith(":" + defaultWorkMem));
        }
    }

    @Test
    void temporaryTablePinsAndIsGoneForTheNextClient() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2)) {
            long pinnedBefore = gw.proxy().counters().pinnedSessions();
            int pinned;
            try (Connection a = gw.connect(DB); Connection b = gw.connect(DB, props("prepareThreshold", "1"))) {
                try (Statement st = a.createStatement()) {
                    st.execute("create temp table scratch (v int)");
                }
                pinned = pid(a);
                assertThat(gw.proxy().counters().pinnedSessions() - pinnedBefore).isEqualTo(1);
                for (int i = 0; i < 5; i++) {
                    try (PreparedStatement ps = a.prepareStatement("insert into scratch values (?)")) {
                        ps.setInt(1, i);
                        ps.executeUpdate();
                    }
                    assertThat(one(b, "select to_regclass('pg_temp.scratch') is null")).isEqualTo("t");
                    assertThat(pid(b)).isNotEqualTo(pinned);
                }
                assertThat(one(a, "select sum(v) from scratch")).isEqualTo("10");
            }
            assertResetOrClosed(pinned);
            assertThat(onEveryBackend(gw, 2, "select count(*) from pg_class where relname = 'scratch' and relpersistence = 't' and pg_table_is_visible(oid)"))
                    .allSatisfy(s -> assertThat(s).endsWith(":0"));
        }
    }

    @Test
    void sessionAdvisoryLockPinsAndIsReleasedWhenTheClientLeaves() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2)) {
            long pinnedBefore = gw.proxy().counters().pinnedSessions();
            int pinned;
            try (Connection a = gw.connect(DB); Connection b = gw.connect(DB)) {
                assertThat(one(a, "select pg_advisory_lock(4242)")).isEmpty();
                pinned = pid(a);
                assertThat(gw.proxy().counters().pinnedSessions() - pinnedBefore).isEqualTo(1);
                assertThat(Txn.direct(DB, "select pid from pg_locks where locktype = 'advisory' and objid = 4242")).isEqualTo(String.valueOf(pinned));
                assertThat(one(b, "select pg_try_advisory_xact_lock(4242)")).as("held by a's session").isEqualTo("f");
                assertThat(pid(a)).isEqualTo(pinned);
                assertThat(one(a, "select pg_advisory_unlock(4242)")).as("unlocked by the session that locked it").isEqualTo("t");
                assertThat(one(a, "select pg_advisory_lock(4242)")).isEmpty();
            }
            assertResetOrClosed(pinned);
            assertThat(Txn.direct(DB, "select count(*) from pg_locks where locktype = 'advisory' and objid = 4242")).isEqualTo("0");
        }
    }

    @Test
    void listenPinsAndNotificationsArrive() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2)) {
            long pinnedBefore = gw.proxy().counters().pinnedSessions();
            int pinned;
            try (Connection a = gw.connect(DB); Connection b = gw.connect(DB)) {
                try (Statement st = a.createStatement()) {
                    st.execute("listen txn_channel");
                }
                pinned = pid(a);
                assertThat(gw.proxy().counters().pinnedSessions() - pinnedBefore).isEqualTo(1);
                try (Statement st = b.createStatement()) {
                    st.execute("notify txn_channel, 'from b'");
                }
                Txn.direct(DB, "select pg_notify('txn_channel', 'direct')");
                List<String> payloads = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (payloads.size() < 2 && System.nanoTime() < deadline) {
                    one(a, "select 1");
                    PGNotification[] got = a.unwrap(PGConnection.class).getNotifications(200);
                    if (got != null) for (PGNotification n : got) payloads.add(n.getName() + ":" + n.getParameter());
                }
                assertThat(payloads).containsExactly("txn_channel:from b", "txn_channel:direct");
                assertThat(pid(a)).isEqualTo(pinned);
                assertThat(pid(b)).isNotEqualTo(pinned);
            }
            assertResetOrClosed(pinned);
            assertThat(onEveryBackend(gw, 2, "select count(*) from pg_listening_channels()")).allSatisfy(s -> assertThat(s).endsWith(":0"));
        }
    }

    @Test
    void connectionLevelReadOnlyFollowsTheClientAndDoesNotLeak() throws Exception {
        TestPostgres.execute(DB, "truncate ro_target");
        try (GatewayHarness gw = Txn.gateway(2);
             Connection a = gw.connect(DB, props("readOnlyMode", "always"));
             Connection b = gw.connect(DB)) {
            a.setReadOnly(true);
            for (int i = 0; i < 3; i++) {
                b.setAutoCommit(false);
                int held = pid(b);
                SQLException e = catchThrowableOfType(SQLException.class, () -> {
                    try (Statement st = a.createStatement()) {
                        st.executeUpdate("insert into ro_target values (1)");
                    }
                });
                assertThat((Throwable) e).as("insert on a read-only connection").isNotNull();
                assertThat(e.getSQLState()).isEqualTo("25006");
                assertThat(pid(a)).isNotEqualTo(held);
                b.commit();
                b.setAutoCommit(true);
                try (Statement st = b.createStatement()) {
                    assertThat(st.executeUpdate("insert into ro_target values (2)")).as("b is not read-only").isEqualTo(1);
                }
            }
            a.setAutoCommit(false);
            assertThat(one(a, "show transaction_read_only")).isEqualTo("on");
            a.commit();
            a.setAutoCommit(true);
            a.setReadOnly(false);
            b.setAutoCommit(false);
            pid(b);
            try (Statement st = a.createStatement()) {
                assertThat(st.executeUpdate("insert into ro_target values (3)")).isEqualTo(1);
            }
            b.commit();
        }
        assertThat(Txn.direct(DB, "select string_agg(v::text, ',' order by v) from ro_target")).isEqualTo("2,2,2,3");
    }

    // ---- prepared statements and session resets ----

    @Test
    void preparedStatementsStillWorkAfterDiscardAll() throws Exception {
        preparedStatementsStillWorkAfterTheClientDropsThemAll("DISCARD ALL");
    }

    @Test
    void preparedStatementsStillWorkAfterDeallocateAll() throws Exception {
        preparedStatementsStillWorkAfterTheClientDropsThemAll("DEALLOCATE ALL");
    }

    private static void preparedStatementsStillWorkAfterTheClientDropsThemAll(String command) throws Exception {
        try (GatewayHarness gw = Txn.gateway(2);
             Connection a = gw.connect(DB, props("prepareThreshold", "1"));
             Connection b = gw.connect(DB, props("prepareThreshold", "1"))) {
            try (PreparedStatement pa = a.prepareStatement("select ?::int + 100");
                 PreparedStatement pb = b.prepareStatement("select ?::int + 100")) {
                for (int i = 0; i < 3; i++) {
                    pa.setInt(1, i);
                    try (ResultSet rs = pa.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(100 + i);
                    }
                    pb.setInt(1, i);
                    try (ResultSet rs = pb.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(100 + i);
                    }
                }
                try (Statement st = a.createStatement()) {
                    st.execute(command);
                }
                for (int i = 0; i < 4; i++) {
                    // b holds a backend in a transaction on odd rounds, so a moves between backends.
                    if (i % 2 == 1) {
                        b.setAutoCommit(false);
                        pid(b);
                    }
                    pa.setInt(1, i);
                    try (ResultSet rs = pa.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(100 + i);
                    }
                    pb.setInt(1, i);
                    try (ResultSet rs = pb.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(100 + i);
                    }
                    if (i % 2 == 1) {
                        b.commit();
                        b.setAutoCommit(true);
                    }
                }
                try (PreparedStatement fresh = a.prepareStatement("select ?::text || '!'")) {
                    fresh.setString(1, "again");
                    try (ResultSet rs = fresh.executeQuery()) {
                        rs.next();
                        assertThat(rs.getString(1)).isEqualTo("again!");
                    }
                }
            }
        }
    }

    @Test
    void aResultTypeChangeAfterDdlFailsAtMostOnceThenWorks() throws Exception {
        TestPostgres.execute(DB, "drop table if exists shape", "create table shape (a int, b text)", "insert into shape values (1, 'one')");
        try (GatewayHarness gw = Txn.gateway(2);
             Connection a = gw.connect(DB, props("prepareThreshold", "1"));
             Connection b = gw.connect(DB, props("prepareThreshold", "1"))) {
            PreparedStatement pa = a.prepareStatement("select * from shape");
            PreparedStatement pb = b.prepareStatement("select * from shape");
            // Prepare the statement on both backends: b holds one in a transaction while a uses the other.
            b.setAutoCommit(false);
            assertThat(columns(pb)).isEqualTo(2);
            assertThat(columns(pa)).isEqualTo(2);
            b.commit();
            b.setAutoCommit(true);
            TestPostgres.execute(DB, "alter table shape add column c int default 7");
            for (PreparedStatement ps : List.of(pa, pb)) {
                List<String> errors = new ArrayList<>();
                List<Integer> widths = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    try {
                        widths.add(columns(ps));
                    } catch (SQLException e) {
                        errors.add(e.getMessage());
                    }
                }
                assertThat(errors).as("errors after the DDL").hasSizeLessThanOrEqualTo(1)
                        .allSatisfy(m -> assertThat(m).contains("cached plan must not change result type"));
                assertThat(widths).isNotEmpty().allSatisfy(w -> assertThat(w).isEqualTo(3));
            }
            // And on the other backend too.
            a.setAutoCommit(false);
            pid(a);
            for (int i = 0; i < 2; i++) assertThat(columns(pb)).isEqualTo(3);
            a.commit();
            pa.close();
            pb.close();
        }
    }

    private static int columns(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            return rs.getMetaData().getColumnCount();
        }
    }
}
