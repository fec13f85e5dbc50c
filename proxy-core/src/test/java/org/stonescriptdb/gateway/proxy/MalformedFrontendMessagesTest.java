package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.LogCapture;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.testing.RawFrontend.bind;
import static org.stonescriptdb.gateway.testing.RawFrontend.bytes;
import static org.stonescriptdb.gateway.testing.RawFrontend.close;
import static org.stonescriptdb.gateway.testing.RawFrontend.concat;
import static org.stonescriptdb.gateway.testing.RawFrontend.cstring;
import static org.stonescriptdb.gateway.testing.RawFrontend.describe;
import static org.stonescriptdb.gateway.testing.RawFrontend.execute;
import static org.stonescriptdb.gateway.testing.RawFrontend.flush;
import static org.stonescriptdb.gateway.testing.RawFrontend.int16;
import static org.stonescriptdb.gateway.testing.RawFrontend.int32;
import static org.stonescriptdb.gateway.testing.RawFrontend.message;
import static org.stonescriptdb.gateway.testing.RawFrontend.messageWithLength;
import static org.stonescriptdb.gateway.testing.RawFrontend.parse;
import static org.stonescriptdb.gateway.testing.RawFrontend.query;
import static org.stonescriptdb.gateway.testing.RawFrontend.sync;
import static org.stonescriptdb.gateway.testing.RawFrontend.text;

/**
 * Malformed frontend messages, each sent to PostgreSQL directly and through the gateway: the answers must be the same
 * (every message's type, and for errors severity, SQLSTATE and text), and so must whether the connection is still
 * usable after it (a {@code SELECT 1} behind the case, answered alike). Meanwhile a canary client shares the pool,
 * which holds exactly the backends it held at the start: a client's protocol error never costs a backend.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MalformedFrontendMessagesTest {

    private static final String DB = "malformed_main";
    /** Backends per pool: the canary's and the case client's in session pooling, one shared in transaction pooling. */
    private static final Map<PoolMode, Integer> BACKENDS = Map.of(PoolMode.TRANSACTION, 1, PoolMode.SESSION, 2);

    /**
     * One case: the bytes sent in one write, and how many ReadyForQuery the server sends for them (one per Query,
     * FunctionCall or Sync unless the case says otherwise; fewer are read if the connection ends first, and with
     * {@link #untilClosed} everything up to the end of the connection is).
     *
     * @param closesSilently the server drops the connection without a word (a stream it can no longer follow); the
     *                       gateway then says why in one FATAL 08P01
     */
    record Case(String name, byte[] bytes, int readies, boolean closesSilently) {
        static Case of(String name, byte[]... messages) {
            int readies = 0;
            for (byte[] m : messages) if (m.length > 0 && (m[0] == 'Q' || m[0] == 'S' || m[0] == 'F')) readies++;
            return new Case(name, concat(messages), readies, false);
        }

        Case readies(int n) {
            return new Case(name, bytes, n, closesSilently);
        }

        Case untilClosed() {
            return readies(UNTIL_CLOSED);
        }

        Case closedSilentlyByTheServer() {
            return new Case(name, bytes, UNTIL_CLOSED, true);
        }
    }

    private static final int UNTIL_CLOSED = -1;
    private static final String DIRECT_CLIENT = "malformed-direct";
    private static final byte[] P1 = parse("", "select 1");
    private static final byte[] B1 = bind("", "");
    private static final byte[] E1 = execute("", 0);
    private static final byte[] S = sync();

    static List<Case> cases() {
        byte[] startup = WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", "postgres", "database", DB));
        return List.of(
                // Query
                Case.of("Query without its NUL", message('Q', text("select 1"))),
                Case.of("Query with bytes after its NUL", message('Q', cstring("select 1"), text("xx"))),
                Case.of("Query with an empty body", message('Q')),
                Case.of("Query without its NUL inside a transaction block", query("begin"), message('Q', text("select 1")),
                        query("select 1"), query("rollback")),
                // Parse
                Case.of("Parse with an unterminated name", message('P', text("abc")), S),
                Case.of("Parse with an unterminated query", message('P', cstring(""), text("select 1")), S),
                Case.of("Parse of a named statement with an unterminated query", message('P', cstring("s1"), text("select 1")), S),
                Case.of("Parse without the parameter count", message('P', cstring(""), cstring("select 1")), S),
                Case.of("Parse with more parameter types counted than sent", message('P', cstring(""), cstring("select 1"), int16(3), int32(23)), S),
                Case.of("Parse with a negative parameter count", message('P', cstring(""), cstring("select $1"), int16(-1)), S),
                Case.of("Parse with bytes after the parameter types", message('P', cstring(""), cstring("select 1"), int16(0), text("zz")), S),
                Case.of("Parse of an existing name with bytes after the types", parse("n1", "select 1"), S,
                        message('P', cstring("n1"), cstring("select 2"), int16(0), text("x")), S),
                Case.of("Parse error skips the rest of the batch", message('P', text("abc")), B1, E1, describe('S', ""), flush(), S),
                Case.of("Parse error skips a Query up to the Sync", message('P', text("abc")), query("select 1"), S).readies(1),
                Case.of("Parse error inside a transaction block", query("begin"), message('P', text("abc")), S, query("select 1"), query("rollback")),
                // Bind
                Case.of("Bind with an unterminated portal name", P1, message('B', text("abc")), E1, S),
                Case.of("Bind with an unterminated statement name", P1, message('B', cstring(""), text("xyz")), E1, S),
                Case.of("Bind without counts", P1, message('B', cstring(""), cstring("")), E1, S),
                Case.of("Bind with a negative parameter length", parse("", "select $1::text"),
                        message('B', cstring(""), cstring(""), int16(0), int16(1), int32(-5), int16(0)), E1, S),
                Case.of("Bind with a parameter longer than the message", parse("", "select $1::text"),
                        message('B', cstring(""), cstring(""), int16(0), int16(1), int32(100), text("ab"), int16(0)), E1, S),
                Case.of("Bind with too few parameters", parse("", "select $1::text"), message('B', cstring(""), cstring(""), int16(0), int16(0), int16(0)), E1, S),
                Case.of("Bind with a negative format count", P1, message('B', cstring(""), cstring(""), int16(-1), int16(0), int16(0)), E1, S),
                Case.of("Bind with more formats than parameters", parse("", "select $1::text, $2::text"),
                        message('B', cstring(""), cstring(""), int16(3), int16(0), int16(0), int16(0), int16(2), int32(1), text("a"), int32(1), text("b"), int16(0)), E1, S),
                Case.of("Bind with an unknown format code", parse("", "select $1::text"),
                        message('B', cstring(""), cstring(""), int16(1), int16(7), int16(1), int32(1), text("a"), int16(0)), E1, S),
                Case.of("Bind with a negative result format count", P1, message('B', cstring(""), cstring(""), int16(0), int16(0), int16(-2)), E1, S),
                Case.of("Bind with bytes after the result formats", P1, message('B', cstring(""), cstring(""), int16(0), int16(0), int16(0), text("zz")), E1, S),
                Case.of("Bind of an unknown statement with a broken rest", message('B', cstring(""), cstring("nosuch"), bytes(0xff)), E1, S),
                Case.of("Bind of a named statement with too few parameters", parse("n1", "select $1::int", 23), S, bind("", "n1"), E1, S),
                Case.of("Bind of a named statement with a broken rest", parse("n1", "select $1::int", 23), S,
                        message('B', cstring(""), cstring("n1"), int16(0), int16(1), int32(1), text("1"), int16(-1)), E1, S),
                // Describe and Close
                Case.of("Describe with an invalid subtype", describe('X', ""), S),
                Case.of("Describe with subtype 255", message('D', bytes(0xff, 0)), S),
                Case.of("Describe with an unterminated name", P1, message('D', text("S")), S),
                Case.of("Describe with an empty body", message('D'), S),
                Case.of("Describe with bytes after the name", P1, message('D', text("S"), cstring(""), text("zz")), S),
                Case.of("Describe of a named statement with bytes after the name", parse("n1", "select 1"), S, message('D', text("S"), cstring("n1"), text("z")), S),
                Case.of("Describe error in the middle of a batch", P1, B1, message('D', text("Q"), cstring("")), E1, S, query("select 2")),
                Case.of("Close with an invalid subtype", close('X', ""), S),
                Case.of("Close with an unterminated name", message('C', text("Sabc")), S),
                Case.of("Close of a named statement with an unterminated name", parse("n1", "select 1"), S, message('C', text("Sn1")), S,
                        describe('S', "n1"), S),
                Case.of("Close with an empty body", message('C'), S),
                Case.of("Close with bytes after the name", message('C', text("S"), cstring(""), text("zz")), S),
                Case.of("Close with an invalid subtype inside a transaction block", query("begin"), close('X', ""), S, query("select 1"), query("rollback")),
                // Execute, Sync, Flush
                Case.of("Execute with an unterminated portal name", P1, B1, message('E', text("abc")), S),
                Case.of("Execute without its row count", P1, B1, message('E', cstring(""), bytes(0, 0)), S),
                Case.of("Execute with bytes after the row count", P1, B1, message('E', cstring(""), int32(0), text("zz")), S),
                Case.of("Sync with a body", P1, B1, E1, message('S', text("zz"))),
                Case.of("Sync with a body ends the skipping after an error", message('P', text("a")), message('S', text("x")), query("select 1")),
                Case.of("Flush with a body", message('H', text("zz")), S),
                Case.of("Flush with a body inside a batch", P1, message('H', text("x")), B1, E1, S),
                // Messages out of place
                Case.of("CopyData, CopyDone and CopyFail outside COPY", message('d', text("abc")), message('c'), message('f', cstring("x")), query("select 1")),
                Case.of("CopyFail inside an extended batch", P1, message('f', cstring("x")), S),
                Case.of("FunctionCall with an empty body", message('F')),
                Case.of("FunctionCall with a bad argument count", message('F', int32(1598), int16(0), int16(0), int16(0))),
                Case.of("Describe of a portal that does not exist", describe('P', "nosuch"), S),
                Case.of("Close of a portal that does not exist", close('P', "nosuch"), S),
                // The session ends: one FATAL
                Case.of("Unknown message type", message('y', text("abc"))).untilClosed(),
                Case.of("Message type 0", message('\0', int32(1234))).untilClosed(),
                Case.of("A second StartupMessage", startup).untilClosed(),
                Case.of("PasswordMessage after login", message('p', cstring("secret"))).untilClosed(),
                Case.of("Unknown type after a query", query("select 42"), message('y')).untilClosed(),
                Case.of("Unknown type after an extended batch", P1, B1, E1, S, message('y')).untilClosed(),
                Case.of("Unknown type inside a transaction block", query("begin"), query("select 1"), message('y')).untilClosed(),
                Case.of("Sync longer than the server reads", messageWithLength('S', 20_004, new byte[20_000])).closedSilentlyByTheServer(),
                Case.of("Sync whose length word is one more than the server reads", messageWithLength('S', 10_001, new byte[9_997]))
                        .closedSilentlyByTheServer(),
                Case.of("Execute whose length word is just what the server reads", P1, B1,
                        messageWithLength('E', 10_000, concat(cstring(""), int32(0), new byte[9_991])), S),
                Case.of("Describe longer than the server reads", messageWithLength('D', 20_004, concat(text("S"), new byte[19_999]))).closedSilentlyByTheServer());
    }

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    @ParameterizedTest
    @EnumSource(PoolMode.class)
    void everyMalformedMessageIsAnsweredAsPostgresAnswersIt(PoolMode mode) throws Exception {
        int backends = BACKENDS.get(mode);
        try (LogCapture log = new LogCapture();
             GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(mode).withPoolLimits(backends, 200, 50)
                     .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(10)));
             Connection canary = gw.connect(DB)) {
            assertThat(one(canary, "select 'canary'")).isEqualTo("canary");
            // One client of the gateway's, so every backend the pool will hold exists before the first case.
            transcript(gw.port(), false, Case.of("warm-up", query("select 1")));
            // The other pool mode's gateway, stopped just before, may leave a backend that has not exited yet.
            Await.within(Duration.ofSeconds(10), () -> backendPidsOrNone().size() == backends);
            Set<Integer> pool = backendPids();
            assertThat(pool).as("backends at the start").hasSize(backends);

            List<String> mismatches = new ArrayList<>();
            for (Case c : cases()) {
                List<String> direct = transcript(TestPostgres.port(), true, c);
                List<String> gateway = transcript(gw.port(), false, c);
                List<String> expected = c.closesSilently() ? closedSilentlyAsTheGatewaySaysIt(direct, gateway) : direct;
                if (!expected.equals(gateway)) mismatches.add(c.name() + "\n    PostgreSQL: " + direct + "\n    gateway:    " + gateway);
                assertThat(one(canary, "select 'canary'")).as("the canary after: " + c.name()).isEqualTo("canary");
                // A backend closed in this case is replaced at the latest in the next one, by a process not in the pool.
                Set<Integer> now = backendPids();
                if (!pool.containsAll(now)) mismatches.add(c.name() + " (or the case before): the pool's backends were " + pool + ", now " + now);
            }
            assertThat(mismatches).as("cases answered otherwise than by PostgreSQL, or costing a backend").isEmpty();
            awaitBackends(pool);
            assertThat(log.stackTraces()).as("no stack trace for a client's mistake").isEmpty();
            assertThat(log.count(Level.FINE, "invalid frontend message type")).as("a FATAL for the client is one line at FINE").isPositive();
        }
    }

    /** PostgreSQL said nothing and closed; the gateway must close too, having said why in one FATAL 08P01. */
    private static List<String> closedSilentlyAsTheGatewaySaysIt(List<String> direct, List<String> gateway) {
        assertThat(direct).as("PostgreSQL closes without a word").containsExactly("<closed>");
        if (gateway.size() == 2 && gateway.get(0).startsWith("E(FATAL 08P01 invalid message length")) return gateway;
        return List.of("E(FATAL 08P01 invalid message length …)", "<closed>");
    }

    /**
     * What the server answers to the case, one entry per message (errors as severity, SQLSTATE and text), then either
     * {@code <closed>} or the answer to a {@code SELECT 1} sent after it.
     */
    private static List<String> transcript(int port, boolean direct, Case c) throws IOException {
        List<String> out = new ArrayList<>();
        try (WireClient w = login(port, direct)) {
            converse(w, c, out);
        } catch (SocketTimeoutException e) {
            out.add("<no answer within " + WireClient.READ_TIMEOUT + ">");
        }
        return out;
    }

    /** Sends the case, reads its answer into {@code out}, and if the connection is still open, the answer to a SELECT 1. */
    private static void converse(WireClient w, Case c, List<String> out) throws IOException {
        w.send(c.bytes());
        int readies = 0;
        while (readies < c.readies() || c.readies() == UNTIL_CLOSED) {
            Message m = readOrNull(w);
            if (m == null) {
                out.add("<closed>");
                return;
            }
            out.add(render(m));
            if (m.type() == 'Z') readies++;
            if (m.type() == 'E' && "FATAL".equals(m.fields().get('V'))) {
                out.add(w.closedByPeer() ? "<closed>" : "<still open after FATAL>");
                return;
            }
        }
        w.send(query("select 1"));
        out.add("then:");
        while (true) {
            Message m = readOrNull(w);
            if (m == null) {
                out.add("<closed>");
                return;
            }
            out.add(render(m));
            if (m.type() == 'Z') return;
        }
    }

    private static Message readOrNull(WireClient w) throws IOException {
        try {
            return w.read();
        } catch (EOFException | SocketException e) {
            return null;
        }
    }

    private static String render(Message m) {
        return switch (m.type()) {
            case 'E', 'N' -> m.type() + "(" + m.fields().get('V') + " " + m.sqlState() + " " + m.fields().get('M') + ")";
            case 'Z' -> "Z(" + (char) m.body()[0] + ")";
            default -> String.valueOf(m.type());
        };
    }

    private static WireClient login(int port, boolean direct) throws IOException {
        WireClient w = new WireClient(port);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", direct ? TestPostgres.SUPERUSER : GatewayHarness.CLIENT_USER);
        params.put("database", DB);
        if (direct) params.put("application_name", DIRECT_CLIENT);
        w.send(WireClient.startupPacket(WireClient.PROTOCOL_3_0, params));
        for (Message m : w.readUntil('Z')) {
            if (m.type() == 'E') throw new IOException("login refused: " + m);
        }
        return w;
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The gateway's backends: the processes connected to the test database, but for the cases' own direct clients. */
    private static Set<Integer> backendPidsOrNone() {
        try {
            return backendPids();
        } catch (SQLException e) {
            return Set.of();
        }
    }

    private static Set<Integer> backendPids() throws SQLException {
        Set<Integer> pids = new HashSet<>();
        try (Connection c = TestPostgres.direct(TestPostgres.MAINTENANCE_DATABASE);
             PreparedStatement ps = c.prepareStatement(
                     "select pid from pg_stat_activity where datname = ? and application_name is distinct from ?")) {
            ps.setString(1, DB);
            ps.setString(2, DIRECT_CLIENT);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) pids.add(rs.getInt(1));
            }
        }
        return pids;
    }

    /** The gateway's backends at the end: the same (a reset may still be running on one, so allow it a moment). */
    private static void awaitBackends(Set<Integer> pool) throws Exception {
        Await.within(Duration.ofSeconds(10), () -> {
            try {
                return backendPids().equals(pool);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(backendPids()).as("the pool's backends at the end").isEqualTo(pool);
    }
}
