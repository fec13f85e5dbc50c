package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.TestBackends;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.testing.RawFrontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which Parse, Bind, Describe and Query messages reach the backend unread ({@link ClientRequests#passesUnread}): only those
 * that need no renaming and change no session state. Whatever passes is expected exactly as {@code process} would
 * expect it; whatever does not is left untouched for {@code process}.
 */
class UnreadRequestsTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel backendChannel = new EmbeddedChannel();
    private final BackendConnection backend = TestBackends.on(backendChannel, "app_main");
    private final StatementRegistry registry = new StatementRegistry();
    private final ClientStatements statements = new ClientStatements(registry, 100, 1 << 20);
    private final ReplyQueue expected = new ReplyQueue();
    private final BatchState batch = new BatchState();
    private final ClientRequests requests = new ClientRequests(client, "app_main", new ClientParameters(Map.of()), registry,
            new ProxyCounters(), statements, expected, batch, () -> backend);
    private final List<ByteBuf> fed = new ArrayList<>();

    @AfterEach
    void release() {
        fed.forEach(ByteBuf::release);
        expected.clear();
        client.finishAndReleaseAll();
        backendChannel.finishAndReleaseAll();
    }

    private boolean passes(byte[] message) {
        ByteBuf m = Unpooled.wrappedBuffer(message);
        fed.add(m);
        int before = m.readerIndex();
        boolean passed = requests.passesUnread(m.getByte(0), m);
        assertThat(m.readerIndex()).as("only read in place").isEqualTo(before);
        assertThat(m.refCnt()).as("neither kept nor released").isEqualTo(1);
        return passed;
    }

    private List<Kind> expecting() {
        List<Kind> kinds = new ArrayList<>();
        Expected e;
        while ((e = expected.pop()) != null) kinds.add(e.kind);
        return kinds;
    }

    @Test
    void theUnnamedStatementsBatchPassesWholeAndIsExpectedAsProcessWouldExpectIt() {
        assertThat(passes(RawFrontend.parse("", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", 23))).isTrue();
        assertThat(passes(RawFrontend.bind("", "", "7"))).isTrue();
        assertThat(passes(RawFrontend.describe('P', ""))).isTrue();
        assertThat(passes(RawFrontend.describe('S', ""))).isTrue();

        assertThat(expecting()).containsExactly(Kind.PARSE, Kind.BIND, Kind.DESCRIBE, Kind.DESCRIBE);
        assertThat(batch.unsynced).as("an implicit transaction is open until the Sync").isTrue();
        backendChannel.flush();
        assertThat((Object) backendChannel.readOutbound()).as("the caller forwards the bytes, not this").isNull();
    }

    @Test
    void aNamedStatementIsReadForItsRenaming() {
        assertThat(passes(RawFrontend.parse("s1", "select 1"))).isFalse();
        assertThat(passes(RawFrontend.bind("", "s1"))).isFalse();
        assertThat(passes(RawFrontend.describe('S', "s1"))).isFalse();
        assertThat(expecting()).isEmpty();
        assertThat(batch.unsynced).isFalse();
    }

    @Test
    void aNamedPortalIsReadAsBefore() {
        assertThat(passes(RawFrontend.bind("c1", ""))).isFalse();
        assertThat(passes(RawFrontend.describe('P', "c1"))).isFalse();
        assertThat(expecting()).isEmpty();
    }

    @Test
    void sqlThatMayChangeTheSessionIsReadForItsEffects() {
        for (String sql : List.of("SET search_path TO other", "DEALLOCATE ALL", "DISCARD ALL", "LISTEN x", "PREPARE p AS SELECT 1",
                "CREATE TEMP TABLE t (a int)", "select set_config('role', 'x', false)", "RESET ALL")) {
            assertThat(passes(RawFrontend.parse("", sql))).as(sql).isFalse();
        }
        assertThat(expecting()).isEmpty();
        assertThat(batch.unsynced).isFalse();
    }

    @Test
    void otherMessagesAreNotLookedAtHere() {
        assertThat(passes(RawFrontend.execute("", 0))).isFalse();
        assertThat(passes(RawFrontend.close('S', ""))).isFalse();
        assertThat(passes(RawFrontend.sync())).isFalse();
        assertThat(expecting()).isEmpty();
    }

    @Test
    void aSimpleQueryWithNoSessionEffectPassesAndEndsTheImplicitTransaction() {
        assertThat(passes(RawFrontend.parse("", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", 23))).isTrue();
        assertThat(batch.unsynced).isTrue();
        assertThat(passes(RawFrontend.query("SELECT abalance FROM pgbench_accounts WHERE aid = 4711"))).isTrue();
        assertThat(passes(RawFrontend.query(""))).as("empty: the server answers EmptyQueryResponse").isTrue();
        assertThat(expecting()).containsExactly(Kind.PARSE, Kind.QUERY, Kind.QUERY);
        assertThat(batch.unsynced).as("a Query ends the implicit transaction, as process has it").isFalse();
    }

    @Test
    void aSimpleQueryThatMayChangeTheSessionIsReadForItsEffects() {
        for (String sql : List.of("SET search_path TO other", "select 1; DISCARD ALL", "DEALLOCATE ALL", "LISTEN x",
                "select pg_advisory_lock(1)", "CREATE TEMP TABLE t (a int)", "RESET ALL")) {
            assertThat(passes(RawFrontend.query(sql))).as(sql).isFalse();
        }
        assertThat(expecting()).isEmpty();
    }

    @Test
    void aMalformedSimpleQueryIsLeftForProcessToAnswerAsTheServerWould() {
        // No terminator; a terminator before the end (bytes after the string); nothing at all.
        assertThat(passes(RawFrontend.message('Q', "select 1".getBytes()))).isFalse();
        assertThat(passes(RawFrontend.message('Q', RawFrontend.bytes('s', 0, 'x', 0)))).isFalse();
        assertThat(passes(RawFrontend.message('Q'))).isFalse();
        assertThat(expecting()).isEmpty();
    }

    @Test
    void onlyTheMessageItselfIsLookedAtNotWhatFollowsItInTheReadBuffer() {
        byte[] parse = RawFrontend.parse("", "select 1");
        byte[] query = RawFrontend.query("select 2");
        ByteBuf read = Unpooled.buffer().writeBytes(new byte[]{7, 7}).writeBytes(parse).writeBytes(query).writeBytes(RawFrontend.sync());
        fed.add(read);
        assertThat(requests.passesUnread((byte) 'P', read, 2, parse.length)).isTrue();
        // The same Query cut one byte short: its terminator lies just outside it, and only its own bytes are searched.
        assertThat(requests.passesUnread((byte) 'Q', read, 2 + parse.length, query.length - 1)).isFalse();
        assertThat(requests.passesUnread((byte) 'Q', read, 2 + parse.length, query.length)).isTrue();
        assertThat(read.readerIndex()).isZero();
        assertThat(expecting()).containsExactly(Kind.PARSE, Kind.QUERY);
    }

    @Test
    void aTruncatedMessageIsLeftForTheServerToRefuseOrForProcess() {
        // A Describe without its target and name, a Bind cut after its names: the caller hands these to process.
        assertThat(passes(RawFrontend.message('D'))).isFalse();
        assertThat(passes(RawFrontend.message('B', RawFrontend.bytes(0, 0)))).isFalse();
        assertThat(passes(RawFrontend.message('P', RawFrontend.bytes(0)))).isFalse();
        assertThat(expecting()).isEmpty();
    }
}
