package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.testing.RawFrontend;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which statements start a transaction without a backend, and how the gateway answers around one. */
class LazyBeginTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final LazyBegin begin = new LazyBegin();

    /** Every message this test handed over that the gateway answered: each must be released by the end. */
    private final List<ByteBuf> answeredMessages = new ArrayList<>();

    @AfterEach
    void release() {
        begin.releaseCollected();
        client.finishAndReleaseAll();
        assertThat(answeredMessages).as("answered messages released").allSatisfy(m -> assertThat(m.refCnt()).isZero());
    }

    @ParameterizedTest
    @ValueSource(strings = {"BEGIN", "begin;", "  Begin Work ; ", "BEGIN TRANSACTION", "START TRANSACTION",
            "begin isolation level serializable", "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            "start transaction read write not deferrable", "BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED READ ONLY DEFERRABLE",
            "begin\n\tisolation   level read uncommitted"})
    void plainTransactionStartsAreDeferred(String sql) {
        assertThat(LazyBegin.isTransactionStart(sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"BEGIN; DROP TABLE t", "begin; select 1", "BEGINX", "START", "start work", "begin isolation level garbage",
            "BEGIN READ", "begin -- comment", "/* c */ begin", "begin; begin", "select 1", "BEGIN READ ONLY;;", ""})
    void anythingElseGoesToABackend(String sql) {
        assertThat(LazyBegin.isTransactionStart(sql)).isFalse();
    }

    private boolean send(byte[] message) {
        ByteBuf m = Unpooled.wrappedBuffer(message);
        boolean answered = begin.answers(m.getByte(0), m, client);
        if (!answered) m.release();
        else answeredMessages.add(m);
        return answered;
    }

    /** What the client was answered: message types, and the ReadyForQuery status after each 'Z'. */
    private String answered() {
        StringBuilder out = new StringBuilder();
        client.flush(); // the flow flushes at the end of the read
        List<ByteBuf> got = new ArrayList<>();
        Object m;
        while ((m = client.readOutbound()) != null) got.add((ByteBuf) m);
        for (ByteBuf b : got) {
            char type = (char) b.getByte(0);
            out.append(type);
            if (type == 'Z') out.append((char) b.getByte(5));
            if (type == 'E') out.append('(').append(sqlState(b)).append(')');
            b.release();
        }
        return out.toString();
    }

    private static String sqlState(ByteBuf error) {
        return org.stonescriptdb.gateway.protocol.ErrorFields.decodeMessage(error).code();
    }

    @Test
    void beginIsAnsweredInATransactionAndWaitsForTheFirstStatement() {
        assertThat(send(RawFrontend.query("BEGIN ISOLATION LEVEL SERIALIZABLE"))).isTrue();
        assertThat(answered()).isEqualTo("CZT");
        assertThat(begin.deferred()).isEqualTo("BEGIN ISOLATION LEVEL SERIALIZABLE");
        assertThat(begin.status()).isEqualTo(TransactionStatus.IN_TRANSACTION);
        assertThat(send(RawFrontend.query("select 1"))).as("needs a backend").isFalse();
        assertThat(send(RawFrontend.sync())).as("so does a Sync: it must say T").isFalse();
        begin.ran();
        assertThat(begin.active()).isFalse();
        assertThat(begin.deferred()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"begin", "\n\t StArT TRANSACTION", "Begin Work", "BEGIN READ ONLY"})
    void aTransactionStartIsRecognisedWhateverItsCaseAndBlanks(String sql) {
        assertThat(send(RawFrontend.query(sql))).isTrue();
        assertThat(answered()).isEqualTo("CZT");
    }

    /** Only BE… and ST… are read further: SELECT, SET, SAVEPOINT or SHOW go to a backend undecoded. */
    @ParameterizedTest
    @ValueSource(strings = {"SELECT abalance FROM pgbench_accounts WHERE aid = 1", "  select 1", "set x = 1", "savepoint a",
            "show all", "b", "s", " ", "BEGINX", "STARTX", "stop"})
    void aStatementThatCannotStartATransactionIsLeftForABackend(String sql) {
        assertThat(send(RawFrontend.query(sql))).isFalse();
        assertThat(send(RawFrontend.parse("", sql))).isFalse();
        assertThat(answered()).isEmpty();
    }

    @Test
    void aTransactionThatEndsBeforeAnyStatementNeverReachesABackend() {
        send(RawFrontend.query("begin"));
        assertThat(send(RawFrontend.query("COMMIT;"))).isTrue();
        assertThat(answered()).isEqualTo("CZTCZI");
        send(RawFrontend.query("start transaction"));
        assertThat(send(RawFrontend.query("rollback"))).isTrue();
        assertThat(answered()).isEqualTo("CZTCZI");
        assertThat(begin.active()).isFalse();
    }

    @Test
    void afterAFailureTheClientIsInAFailedTransactionUntilItRollsBack() {
        send(RawFrontend.query("begin"));
        begin.failed(); // the first statement found no backend
        assertThat(begin.status()).isEqualTo(TransactionStatus.FAILED);
        answered();
        assertThat(send(RawFrontend.query("select 2"))).isTrue();
        assertThat(answered()).isEqualTo("E(25P02)ZE");
        // An extended batch: refused once, the rest skipped up to its Sync.
        assertThat(send(RawFrontend.parse("", "select 3"))).isTrue();
        assertThat(send(RawFrontend.bind("", ""))).isTrue();
        assertThat(send(RawFrontend.execute("", 0))).isTrue();
        assertThat(send(RawFrontend.sync())).isTrue();
        assertThat(answered()).isEqualTo("E(25P02)ZE");
        assertThat(send(RawFrontend.query("COMMIT"))).as("a COMMIT of a failed transaction rolls back").isTrue();
        assertThat(answered()).isEqualTo("CZI");
        assertThat(begin.active()).isFalse();
        assertThat(send(RawFrontend.query("select 4"))).isFalse();
    }

    @Test
    void aFailureWithNoBeginDeferredLeavesTheClientIdle() {
        begin.failed();
        assertThat(begin.status()).isEqualTo(TransactionStatus.IDLE);
        assertThat(send(RawFrontend.query("select 1"))).isFalse();
    }

    @Test
    void aBeginAmongOtherStatementsOrAMalformedQueryIsNotDeferred() {
        assertThat(send(RawFrontend.query("begin; insert into t values (1)"))).isFalse();
        assertThat(send(RawFrontend.message('Q', RawFrontend.text("begin")))).as("no NUL").isFalse();
        assertThat(answered()).isEmpty();
    }

    /** libpq's PQexecParams, as psycopg sends BEGIN, COMMIT and ROLLBACK: Parse, Bind, Describe, Execute, Sync. */
    private boolean sendBatch(String sql, boolean describe) {
        boolean answered = send(RawFrontend.parse("", sql));
        answered &= send(RawFrontend.bind("", ""));
        if (describe) answered &= send(RawFrontend.describe('P', ""));
        answered &= send(RawFrontend.execute("", 0));
        return answered & send(RawFrontend.sync());
    }

    @Test
    void anExtendedBeginBatchIsAnsweredAsTheServerWouldAnswerIt() {
        assertThat(sendBatch("BEGIN", true)).isTrue();
        assertThat(answered()).isEqualTo("12nCZT");
        assertThat(begin.deferred()).isEqualTo("BEGIN");
        assertThat(sendBatch("COMMIT", false)).as("and the empty transaction's end").isTrue();
        assertThat(answered()).isEqualTo("12CZI");
        assertThat(begin.active()).isFalse();
    }

    @Test
    void anExtendedBatchThatTurnsOutOtherwiseIsHandedBackAsSent() {
        assertThat(send(RawFrontend.parse("", "begin"))).isTrue();
        assertThat(send(RawFrontend.bind("", ""))).isTrue();
        ByteBuf second = Unpooled.wrappedBuffer(RawFrontend.parse("", "select 1"));
        assertThat(begin.answers(second.getByte(0), second, client)).as("a second statement in the batch").isFalse();
        second.release();
        List<ByteBuf> back = begin.takeCollected();
        assertThat(back).extracting(b -> (char) b.getByte(0)).containsExactly('P', 'B');
        back.forEach(ByteBuf::release);
        assertThat(begin.active()).isFalse();
        assertThat(answered()).isEmpty();
    }

    @Test
    void aBeginWithParametersOrANamedStatementIsNotAnswered() {
        assertThat(send(RawFrontend.parse("s1", "begin"))).isFalse();
        assertThat(send(RawFrontend.parse("", "begin", 23))).as("a parameter type").isFalse();
        assertThat(send(RawFrontend.parse("", "begin; select 1"))).isFalse();
        assertThat(answered()).isEmpty();
    }

    /** pgjdbc's way: its ROLLBACK and COMMIT prepared under a name, Parse S_1, Bind S_1, Execute, Sync. */
    @Test
    void aNamedRollbackEndsAFailedTransactionAndTheStatementIsKept() {
        List<String> kept = new ArrayList<>();
        LazyBegin named = new LazyBegin(parse -> kept.add(org.stonescriptdb.gateway.protocol.FrontendMessages.parse(parse).name()));
        ByteBuf beginQuery = Unpooled.wrappedBuffer(RawFrontend.query("BEGIN"));
        assertThat(named.answers(beginQuery.getByte(0), beginQuery, client)).isTrue();
        answeredMessages.add(beginQuery);
        named.failed();
        answered();
        for (byte[] m : List.of(RawFrontend.parse("S_1", "ROLLBACK"), RawFrontend.bind("", "S_1"), RawFrontend.execute("", 1), RawFrontend.sync())) {
            ByteBuf b = Unpooled.wrappedBuffer(m);
            assertThat(named.answers(b.getByte(0), b, client)).isTrue();
            answeredMessages.add(b);
        }
        assertThat(answered()).isEqualTo("12CZI");
        assertThat(kept).containsExactly("S_1");
        assertThat(named.active()).isFalse();
    }

    @Test
    void aNamedEndTheClientMayNotKeepOrBoundToAnotherNameIsNotAnswered() {
        send(RawFrontend.query("begin"));
        answered();
        // The hook of this LazyBegin keeps nothing (the name in use, the client's limits): the server is asked instead.
        assertThat(send(RawFrontend.parse("S_2", "COMMIT"))).isTrue();
        assertThat(send(RawFrontend.bind("", "S_2"))).isTrue();
        assertThat(send(RawFrontend.execute("", 1))).isTrue();
        assertThat(send(RawFrontend.sync())).as("handed back, with the deferred BEGIN").isFalse();
        begin.takeCollected().forEach(ByteBuf::release);
        assertThat(send(RawFrontend.parse("S_3", "COMMIT"))).isTrue();
        assertThat(send(RawFrontend.bind("", "S_4"))).as("a Bind of another statement").isFalse();
        begin.takeCollected().forEach(ByteBuf::release);
        assertThat(send(RawFrontend.parse("S_5", "select 1"))).as("not an end").isFalse();
        assertThat(answered()).isEmpty();
        assertThat(begin.deferred()).isEqualTo("begin");
    }

    @Test
    void anExtendedRollbackEndsAFailedTransaction() {
        send(RawFrontend.query("begin"));
        begin.failed();
        answered();
        assertThat(sendBatch("ROLLBACK", true)).isTrue();
        assertThat(answered()).isEqualTo("12nCZI");
        assertThat(begin.active()).isFalse();
    }
}
