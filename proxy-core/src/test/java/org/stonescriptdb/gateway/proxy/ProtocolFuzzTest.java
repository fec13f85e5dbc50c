package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.DeclaredLengthCap;
import org.stonescriptdb.gateway.testing.FrontendMutator;
import org.stonescriptdb.gateway.testing.FrontendMutator.Burst;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.LogCapture;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded protocol fuzzer: concurrent raw connections send the gateway mutated and random frontend traffic
 * ({@link FrontendMutator}) and leave in every way (Terminate, close, reset, mid-message), in both pool modes, while a
 * pgjdbc canary on the same database and pool keeps working. At the end: every connection got at most one FATAL and
 * was closed after it, the gateway logged no stack trace, leaked no ByteBuf, holds no more backends than its pool
 * allows, has not grown threads, and still serves.
 *
 * <p>{@code -Dgateway.fuzz.seed=N} replays a run (the seed is in every failure message; timing still varies), and
 * {@code -Dgateway.fuzz.seconds=S} sets how long it fuzzes (30 s by default).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ProtocolFuzzTest {

    /** Descriptors the JVM may hold beyond its count before the fuzz (pool connections opened since, the JIT's files). */
    private static final long DESCRIPTOR_MARGIN = 32;
    /** Live heap it may have grown by (classes loaded, caches warmed); a leak per fuzz connection would be far more. */
    private static final long HEAP_MARGIN = 64L << 20;
    private static final String DB = "fuzz_main";
    private static final int POOL = 3;
    private static final int WORKERS = 6;
    private static final int THREAD_MARGIN = 8;

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    @Test
    void theGatewaySurvivesMalformedTrafficAndKeepsServingOthers() throws Exception {
        long seed = Long.getLong("gateway.fuzz.seed", System.nanoTime());
        Duration duration = Duration.ofSeconds(Long.getLong("gateway.fuzz.seconds", 30));
        String run = "seed " + seed + " (replay with -Dgateway.fuzz.seed=" + seed + ")";
        System.out.println("ProtocolFuzzTest: " + run + ", " + duration.toSeconds() + " s");

        try (LogCapture log = new LogCapture();
             GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(POOL, 200, 50)
                     .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(10)))) {
            Canary canary = new Canary(gw);
            canary.start();
            try {
                fuzz(gw, canary, seed, duration, run, log);
            } finally {
                canary.stop();
            }
        }
    }

    /** Fuzzes for {@code duration}, then checks the canary, the fuzz connections' rules and the gateway's state. */
    private static void fuzz(GatewayHarness gw, Canary canary, long seed, Duration duration, String run, LogCapture log) throws Exception {
        canary.awaitFirstRound();
        int threadsBefore = Thread.activeCount();
        long descriptorsBefore = openDescriptors();
        long heapBefore = liveHeap();

        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicLong connections = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        for (int w = 0; w < WORKERS; w++) {
            Random random = new Random(seed * 31 + w);
            int worker = w;
            workers.execute(() -> {
                FrontendMutator mutator = new FrontendMutator(random);
                for (int n = 0; System.nanoTime() < end; n++) {
                    String where = "worker " + worker + " connection " + n;
                    try {
                        fuzzOneConnection(gw.port(), random, mutator, where, violations);
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        violations.add(where + ": could not log in: " + e);
                    }
                }
            });
        }
        workers.shutdown();
        assertThat(workers.awaitTermination(duration.toSeconds() + 60, TimeUnit.SECONDS)).as(run + ": fuzzers finished").isTrue();
        canary.stop();

        assertThat(canary.failures).as(run + ": the canary's queries all succeeded; the gateway's last log lines:\n"
                + String.join("\n", log.gatewayLines(40))).isEmpty();
        assertThat(canary.rounds.get()).as(run + ": the canary kept running").isGreaterThan(duration.toSeconds());
        assertThat(violations).as(run + ": per-connection rules (at most one FATAL, closed after it)").isEmpty();
        assertThat(connections.get()).as(run + ": fuzz connections").isGreaterThan(WORKERS * 10L);

        assertStillServes(gw, run);
        assertThat(awaitBackendsWithinPool()).as(run + ": backend sessions of the database, at most MAX_CONNECTIONS_PER_POOL")
                .isLessThanOrEqualTo(POOL);
        assertThat(awaitThreadsSettled(threadsBefore + THREAD_MARGIN)).as(run + ": threads (were " + threadsBefore + ")")
                .isLessThanOrEqualTo(threadsBefore + THREAD_MARGIN);
        assertThat(awaitDescriptorsSettled(descriptorsBefore + DESCRIPTOR_MARGIN)).as(run + ": open descriptors (were " + descriptorsBefore + ")")
                .isLessThanOrEqualTo(descriptorsBefore + DESCRIPTOR_MARGIN);
        assertThat(gw.proxy().openClientConnections()).as(run + ": client connections still counted open").isLessThanOrEqualTo(1);
        assertThat(liveHeap()).as(run + ": live heap (was " + heapBefore + " bytes)").isLessThanOrEqualTo(heapBefore + HEAP_MARGIN);
        LogCapture.provokeLeakReports();
        assertThat(log.leaks()).as(run + ": ByteBufs never released").isEmpty();
        assertThat(log.stackTraces()).as(run + ": stack traces in the gateway's log; its last lines:\n"
                + String.join("\n", log.gatewayLines(60))).isEmpty();
    }

    /**
     * One connection: log in (in session pooling now and then), send a few bursts, read what comes back, and leave in
     * one of several ways. The rules checked on the way: one FATAL at most, and the connection ends after it.
     */
    private static void fuzzOneConnection(int port, Random random, FrontendMutator mutator, String where, List<String> violations) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Map<String, String> startup = new LinkedHashMap<>();
            startup.put("user", GatewayHarness.CLIENT_USER);
            startup.put("database", DB);
            if (random.nextInt(10) < 3) startup.put("options", "-c gateway.pool_mode=session");
            out.write(WireClient.startupPacket(WireClient.PROTOCOL_3_0, startup));
            Replies replies = new Replies();
            if (!replies.readUntilReady(in)) throw new IOException("no ReadyForQuery at login: " + replies);

            List<String> sent = new ArrayList<>();
            DeclaredLengthCap cap = new DeclaredLengthCap();
            int bursts = 1 + random.nextInt(4);
            for (int b = 0; b < bursts && !replies.closed; b++) {
                Burst burst = mutator.next();
                sent.add(burst.description());
                try {
                    for (byte[] piece : burst.pieces()) {
                        out.write(cap.next(piece));
                        out.flush();
                        if (burst.pieces().size() > 1) Thread.sleep(random.nextInt(3)); // random gaps between pieces are part of the fuzzing
                    }
                } catch (SocketException e) {
                    replies.closed = true; // the gateway ended the session while we wrote: the FATAL is read below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                socket.setSoTimeout(30 + random.nextInt(120));
                replies.drain(in);
            }
            if (replies.fatals > 0 && !replies.closed) {
                socket.setSoTimeout(5_000); // the close follows the FATAL at once; give it time on a slow machine
                replies.drain(in);
            }
            String broken = replies.brokenRule();
            if (broken != null) violations.add(where + ": " + broken + " after " + sent + "; replies " + replies);
            leave(socket, out, random, cap);
        }
    }

    private static void leave(Socket socket, OutputStream out, Random random, DeclaredLengthCap cap) throws IOException {
        try {
            switch (random.nextInt(4)) {
                case 0 -> out.write(cap.next(WireClient.terminate()));
                case 1 -> socket.setSoLinger(true, 0); // a reset rather than a clean close
                case 2 -> out.write(cap.next(new byte[] {'Q', 0, 0, 0, 50, 's', 'e'})); // gone in the middle of a message
                default -> { } // just close
            }
        } catch (SocketException ignored) {
            // already closed by the gateway
        }
    }

    /** What a fuzz connection has read: the messages' kinds, and how many FATALs came before the end. */
    private static final class Replies {
        final List<String> seen = new ArrayList<>();
        int fatals;
        boolean closed;
        boolean afterFatal;

        boolean readUntilReady(DataInputStream in) throws IOException {
            while (true) {
                String m = readOne(in);
                if (m == null) return false;
                if (m.startsWith("Z")) return true;
            }
        }

        /** Reads until the gateway is quiet for the socket's timeout, or the connection ends. */
        void drain(DataInputStream in) throws IOException {
            try {
                while (readOne(in) != null) {
                    // keep reading
                }
            } catch (SocketTimeoutException quiet) {
                // nothing more for now
            }
        }

        private String readOne(DataInputStream in) throws IOException {
            int type;
            try {
                type = in.read();
            } catch (SocketException e) {
                closed = true;
                return null;
            }
            if (type < 0) {
                closed = true;
                return null;
            }
            try {
                int length = in.readInt();
                if (length < 4 || length > 64 << 20) throw new IOException("the gateway sent a message of length " + length);
                byte[] body = new byte[length - 4];
                in.readFully(body);
                String m = describe((char) type, body);
                if (afterFatal) seen.add("AFTER FATAL: " + m);
                else seen.add(m);
                if (m.startsWith("E(FATAL")) {
                    fatals++;
                    afterFatal = true;
                }
                if (seen.size() > 200) seen.subList(0, 100).clear();
                return m;
            } catch (EOFException | SocketException e) {
                closed = true;
                seen.add("<cut off mid-message>");
                return null;
            }
        }

        /** A broken rule, or null: one FATAL at most, nothing after it, and the connection closed after it. */
        String brokenRule() {
            if (fatals > 1) return fatals + " FATALs";
            if (seen.stream().anyMatch(m -> m.startsWith("AFTER FATAL") || m.startsWith("<cut off"))) return "a message after a FATAL, or a message cut off";
            if (fatals == 1 && !closed) return "a FATAL, then the connection stayed open";
            return null;
        }

        private static String describe(char type, byte[] body) {
            if (type != 'E' && type != 'N') return type == 'Z' ? "Z" + (char) body[0] : String.valueOf(type);
            String severity = null;
            String code = null;
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char field = (char) body[i++];
                int end = i;
                while (end < body.length && body[end] != 0) end++;
                String value = new String(body, i, end - i, StandardCharsets.UTF_8);
                if (field == 'V') severity = value;
                if (field == 'C') code = value;
                i = end + 1;
            }
            return type + "(" + severity + " " + code + ")";
        }

        @Override
        public String toString() {
            return seen.toString();
        }
    }

    /**
     * A well-behaved client on the same database and pool throughout: plain and prepared queries (pgjdbc names its
     * statements after a few uses, so they meet the fuzzers' in the gateway's registry) and a transaction. Each must
     * succeed, and never find itself inside someone else's transaction.
     */
    private static final class Canary implements Runnable {
        private final GatewayHarness gw;
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong rounds = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread = new Thread(this, "fuzz-canary");

        Canary(GatewayHarness gw) {
            this.gw = gw;
        }

        void start() {
            thread.start();
        }

        void awaitFirstRound() throws InterruptedException {
            Await.within(Duration.ofSeconds(30), () -> rounds.get() > 0 || !failures.isEmpty());
            assertThat(failures).as("the canary before fuzzing").isEmpty();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(90));
        }

        @Override
        public void run() {
            try (Connection c = gw.connect(DB);
                 PreparedStatement add = c.prepareStatement("select ?::int + 1")) {
                BaseConnection pg = c.unwrap(BaseConnection.class);
                for (int i = 0; running.get(); i++) {
                    try {
                        add.setInt(1, i);
                        check(add, String.valueOf(i + 1), "a prepared query");
                        // The ReadyForQuery status comes from the backend: 'T' here would be a transaction a fuzzer left open.
                        if (pg.getTransactionState() != TransactionState.IDLE) {
                            failures.add("round " + i + ": after an autocommit query the transaction is " + pg.getTransactionState());
                        }
                        c.setAutoCommit(false);
                        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select txid_current() > 0")) {
                            rs.next();
                            if (!rs.getBoolean(1)) failures.add("round " + i + ": no transaction id");
                        }
                        c.commit();
                        c.setAutoCommit(true);
                        rounds.incrementAndGet();
                        Thread.sleep(20); // the canary's pace while the fuzzer runs, not a wait for anything
                    } catch (Exception e) {
                        failures.add("round " + i + ": " + e);
                        if (failures.size() > 20) return;
                        try {
                            c.setAutoCommit(true);
                        } catch (Exception ignored) {
                            // the next round says what is wrong
                        }
                    }
                }
            } catch (Exception e) {
                failures.add("the canary's connection: " + e);
            }
        }

        private void check(PreparedStatement ps, String expected, String what) throws Exception {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String got = rs.getString(1);
                if (!expected.equals(got)) failures.add(what + ": expected " + expected + ", got " + got);
            }
        }
    }

    /** New clients, pgjdbc and raw, are logged in and served. */
    private static void assertStillServes(GatewayHarness gw, String run) throws Exception {
        try (Connection c = gw.connect(DB); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 'after the fuzz'")) {
            rs.next();
            assertThat(rs.getString(1)).as(run + ": a new pgjdbc client").isEqualTo("after the fuzz");
        }
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", GatewayHarness.CLIENT_USER, "database", DB)));
            Replies login = new Replies();
            assertThat(login.readUntilReady(new DataInputStream(s.getInputStream()))).as(run + ": a new raw client logs in").isTrue();
        }
    }

    /** Backends a fuzzer's client left are drained or closed in the background: give them a moment. */
    private static int awaitBackendsWithinPool() throws InterruptedException {
        Await.within(Duration.ofSeconds(15), () -> TestPostgres.backendSessions(DB) <= POOL);
        return TestPostgres.backendSessions(DB);
    }

    /** Descriptors this JVM (the gateway, its backends, the test's own clients) has open; -1 where /proc is missing. */
    private static long openDescriptors() {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long awaitDescriptorsSettled(long limit) throws InterruptedException {
        Await.within(Duration.ofSeconds(10), () -> openDescriptors() <= limit);
        return openDescriptors();
    }

    /** Heap in use after a full collection: what is still referenced. */
    private static long liveHeap() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static int awaitThreadsSettled(int limit) throws InterruptedException {
        Await.within(Duration.ofSeconds(10), () -> Thread.activeCount() <= limit);
        return Thread.activeCount();
    }
}
