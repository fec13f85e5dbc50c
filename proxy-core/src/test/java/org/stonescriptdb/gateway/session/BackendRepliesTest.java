package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.testing.RawBackend.bindComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.closeComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.commandComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.copyData;
import static org.stonescriptdb.gateway.testing.RawBackend.copyDone;
import static org.stonescriptdb.gateway.testing.RawBackend.copyFail;
import static org.stonescriptdb.gateway.testing.RawBackend.copyInResponse;
import static org.stonescriptdb.gateway.testing.RawBackend.copyOutResponse;
import static org.stonescriptdb.gateway.testing.RawBackend.dataRow;
import static org.stonescriptdb.gateway.testing.RawBackend.error;
import static org.stonescriptdb.gateway.testing.RawBackend.notice;
import static org.stonescriptdb.gateway.testing.RawBackend.parameterDescription;
import static org.stonescriptdb.gateway.testing.RawBackend.parameterStatus;
import static org.stonescriptdb.gateway.testing.RawBackend.parseComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.portalSuspended;
import static org.stonescriptdb.gateway.testing.RawBackend.ready;
import static org.stonescriptdb.gateway.testing.RawBackend.rowDescription;
import static org.stonescriptdb.gateway.testing.RawFrontend.bind;
import static org.stonescriptdb.gateway.testing.RawFrontend.close;
import static org.stonescriptdb.gateway.testing.RawFrontend.describe;
import static org.stonescriptdb.gateway.testing.RawFrontend.execute;
import static org.stonescriptdb.gateway.testing.RawFrontend.flush;
import static org.stonescriptdb.gateway.testing.RawFrontend.parse;
import static org.stonescriptdb.gateway.testing.RawFrontend.query;
import static org.stonescriptdb.gateway.testing.RawFrontend.sync;

/**
 * The backend's half of transaction pooling ({@link BackendReplies}), with the client's half, the reply queue and the
 * client's statements wired as in {@code TransactionFlow} ({@link FlowParts}): client messages go in, then the replies
 * a PostgreSQL server sends to what reached it, and the test says exactly what the client receives — the gateway's own
 * replies in their place among the server's, the replies to the gateway's own messages swallowed, an error's skipped
 * rest forgotten — and whether the flow could give the backend back after each ReadyForQuery.
 */
class BackendRepliesTest extends FlowPartsTest {

    // ---- named statements on a backend that lacks them ----

    /** A named statement used on a backend that never saw it: the gateway's Parse goes first, its ParseComplete is not the client's. */
    @Test
    void theParseCompleteOfAHiddenParseIsSwallowed() {
        BackendConnection first = fixture.backend();
        BackendConnection second = fixture.backend();
        FlowParts c = fixture.client(first);
        String g = c.prepared("s1", "select 1");
        c.attach(second);

        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("P " + g, "B " + g, "E", "S");
        assertThat(c.expecting()).containsExactly(Kind.PARSE_HIDDEN, Kind.BIND, Kind.EXECUTE, Kind.SYNC);
        c.reply(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly("2", "D 1", "C SELECT 1", "Z I");
        assertThat(c.expected.isEmpty()).isTrue();
        assertThat(second.statements().generation(g)).as("prepared there now").isZero();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** pgjdbc's getMetaData(): Describe(S) of a statement prepared on another backend is prepared here first, hidden. */
    @Test
    void describeOfANamedStatementOnAnotherBackendGetsItPreparedThereFirst() {
        BackendConnection first = fixture.backend();
        BackendConnection second = fixture.backend();
        FlowParts c = fixture.client(first);
        String g = c.prepared("s1", "select $1::int4 as n");
        c.attach(second);

        c.send(describe('S', "s1"), sync());
        assertThat(c.sent()).containsExactly("P " + g, "D S " + g, "S");
        assertThat(c.expecting()).containsExactly(Kind.PARSE_HIDDEN, Kind.DESCRIBE, Kind.SYNC);
        c.reply(parseComplete(), parameterDescription(23), rowDescription("n"), ready('I'));

        assertThat(c.received()).containsExactly("t", "T n", "Z I");
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /**
     * A hidden Parse the server skipped after an earlier error in the batch did not happen: the backend does not have
     * the statement, and its next use prepares it again.
     */
    @Test
    void aHiddenParseSkippedAfterAnErrorIsSentAgainAtTheNextUse() {
        BackendConnection first = fixture.backend();
        BackendConnection second = fixture.backend();
        FlowParts c = fixture.client(first);
        String g = c.prepared("s1", "select 1");
        c.attach(second);

        c.send(parse("", "selec 2"), bind("", ""), execute("", 0), bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("P selec 2", "B", "E", "P " + g, "B " + g, "E", "S");
        c.reply(error("42601", "syntax error at or near \"selec\""), ready('I'));
        assertThat(c.received()).containsExactly("E 42601 syntax error at or near \"selec\"", "Z I");
        assertThat(second.statements().generation(g)).as("the skipped Parse is forgotten").isEqualTo(-1);

        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("P " + g, "B " + g, "E", "S");
        c.reply(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
        assertThat(c.received()).containsExactly("2", "D 1", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).containsExactly(true, true);
    }

    // ---- the gateway's own replies in their place ----

    /**
     * A Parse of a statement the backend already has is answered by the gateway — after the replies to what the client
     * sent before it, and before those to what it sent after.
     */
    @Test
    void theGatewaysParseCompleteComesBetweenTheBackendsRepliesInOrder() {
        BackendConnection backend = fixture.backend();
        FlowParts other = fixture.client(backend);
        String g = other.prepared("theirs", "select 1");
        FlowParts c = fixture.client(backend);

        c.send(parse("", "select 2"), bind("", ""), execute("", 0), parse("mine", "select 1"), bind("", "mine"),
                execute("", 0), sync());
        assertThat(c.sent()).containsExactly("P select 2", "B", "E", "B " + g, "E", "S");
        assertThat(c.received()).as("the gateway's ParseComplete waits for the replies before it").isEmpty();

        c.reply(parseComplete(), bindComplete(), dataRow("2"), commandComplete("SELECT 1"));
        assertThat(c.received()).containsExactly("1", "2", "D 2", "C SELECT 1", "1");
        c.reply(bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
        assertThat(c.received()).containsExactly("2", "D 1", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** A Close of the client's statement is answered by the gateway, after the replies to what came before it. */
    @Test
    void theGatewaysCloseCompleteComesAfterTheRepliesBeforeIt() {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select 1");

        c.send(bind("", "s1"), execute("", 0), close('S', "s1"), sync());
        assertThat(c.sent()).containsExactly("B " + g, "E", "S");
        assertThat(c.received()).isEmpty();
        c.reply(bindComplete(), dataRow("1"), commandComplete("SELECT 1"));
        assertThat(c.received()).containsExactly("2", "D 1", "C SELECT 1", "3");
        c.reply(ready('I'));

        assertThat(c.received()).containsExactly("Z I");
        assertThat(c.statements.contains("s1")).isFalse();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    // ---- errors ----

    /**
     * Three Syncs pipelined, the second batch failing at its Bind: the server skips that batch's Describe and Execute,
     * the gateway forgets them, every reply reaches the client in order, and the backend could go back only at the
     * ReadyForQuery of the last Sync.
     *
     * <p>Either way the flow hands the messages on: the unnamed ones let through unread, or all read whole
     * (replayed from the backlog).
     */
    @ParameterizedTest(name = "replayed: {0}")
    @ValueSource(booleans = {false, true})
    void anErrorInTheMiddleOfPipelinedSyncsSkipsToItsSyncAndTheRestIsAnsweredInOrder(boolean replayed) {
        FlowParts c = fixture.client(fixture.backend());
        c.replayed = replayed;

        c.send(parse("", "select 1"), bind("", ""), execute("", 0), sync(),
                parse("", "select $1::int4"), bind("", "", "x"), describe('P', ""), execute("", 0), sync(),
                parse("", "select 3"), bind("", ""), execute("", 0), sync());
        assertThat(c.sent()).hasSize(13);

        c.reply(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
        c.reply(parseComplete(), error("22P02", "invalid input syntax for type integer: \"x\""));
        assertThat(c.expecting()).as("the failed batch's Describe and Execute are skipped")
                .containsExactly(Kind.SYNC, Kind.PARSE, Kind.BIND, Kind.EXECUTE, Kind.SYNC);
        assertThat(c.batch.skippingUntilSync).as("its Sync was sent already").isFalse();
        c.reply(ready('I'));
        c.reply(parseComplete(), bindComplete(), dataRow("3"), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly(
                "1", "2", "D 1", "C SELECT 1", "Z I",
                "1", "E 22P02 invalid input syntax for type integer: \"x\"", "Z I",
                "1", "2", "D 3", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).containsExactly(false, false, true);
    }

    /**
     * An error before the client sent its Sync (a fetch-size batch, a Flush): the server skips what the client sends
     * up to that Sync, and so does the gateway, which keeps the backend for it meanwhile.
     */
    @Test
    void anErrorBeforeTheClientsSyncSkipsWhatItSendsUpToThatSync() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "select 1/0"), bind("", ""), execute("", 0), flush());
        assertThat(c.sent()).containsExactly("P select 1/0", "B", "E", "H");
        c.reply(parseComplete(), bindComplete(), error("22012", "division by zero"));
        assertThat(c.batch.skippingUntilSync).isTrue();
        assertThat(c.batch.unsynced).as("the backend is the client's until its Sync").isTrue();

        c.send(bind("", ""), execute("", 0), sync());
        assertThat(c.sent()).as("only the Sync: the server would skip the rest").containsExactly("S");
        c.reply(ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "E 22012 division by zero", "Z I");
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** The server names the statement it was given — the gateway's name; the client reads its own. */
    @Test
    void anErrorAboutABoundStatementNamesTheClientsStatement() {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select $1::int4");

        c.send(bind("", "s1"), execute("", 0), sync());
        c.reply(error("08P01", "bind message supplies 0 parameters, but prepared statement \"" + g + "\" requires 1"),
                ready('I'));

        assertThat(c.received()).containsExactly(
                "E 08P01 bind message supplies 0 parameters, but prepared statement \"s1\" requires 1", "Z I");
    }

    /**
     * "cached plan must not change result type" after DDL reaches the client once; the statement is closed and prepared
     * again on the backend before the client's retry, which works.
     */
    @Test
    void aResultTypeChangeIsReportedOnceAndTheRetryPreparesTheStatementAgain() {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select * from t");

        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("B " + g, "E", "S");
        c.reply(error("0A000", StatementRequests.CACHED_PLAN_CHANGED), ready('I'));
        assertThat(c.received()).containsExactly("E 0A000 cached plan must not change result type", "Z I");

        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("C S " + g, "P " + g, "B " + g, "E", "S");
        c.reply(closeComplete(), parseComplete(), bindComplete(), dataRow("1", "x"), commandComplete("SELECT 1"), ready('I'));
        assertThat(c.received()).as("told once, and the retry is answered")
                .containsExactly("2", "D 1,x", "C SELECT 1", "Z I");
    }

    /**
     * Another client that prepared the same statement before the change is told by the gateway, once, without asking
     * its backend; its retry then works.
     */
    @Test
    void anotherHolderOfAChangedStatementIsToldOnceByTheGateway() {
        BackendConnection backend = fixture.backend();
        FlowParts a = fixture.client(backend);
        FlowParts b = fixture.client(backend);
        String g = a.prepared("s1", "select * from t");
        b.send(parse("mine", "select * from t"), sync());
        assertThat(b.sent()).as("the backend has it").containsExactly("S");
        b.reply(ready('I'));
        assertThat(b.received()).containsExactly("1", "Z I");
        a.send(bind("", "s1"), execute("", 0), sync());
        a.reply(error("0A000", StatementRequests.CACHED_PLAN_CHANGED), ready('I'));
        a.send(bind("", "s1"), execute("", 0), sync());
        a.reply(closeComplete(), parseComplete(), bindComplete(), commandComplete("SELECT 0"), ready('I'));
        a.sent();

        b.send(bind("", "mine"), execute("", 0), sync());
        assertThat(b.sent()).as("the Bind and Execute are not sent").containsExactly("S");
        b.reply(ready('I'));
        assertThat(b.received()).containsExactly("E 0A000 cached plan must not change result type", "Z I");

        b.send(bind("", "mine"), execute("", 0), sync());
        assertThat(b.sent()).containsExactly("B " + g, "E", "S");
        b.reply(bindComplete(), commandComplete("SELECT 0"), ready('I'));
        assertThat(b.received()).containsExactly("2", "C SELECT 0", "Z I");
    }

    /**
     * "cached plan must not change result type" for the unnamed statement (the client's own DDL in the batch, between
     * its Parse and Bind) is about the unnamed statement only: a named statement the client bound in an earlier batch
     * is not marked changed, and its other holders are not told it changed.
     */
    @Test
    void aResultTypeChangeOfTheUnnamedStatementLeavesTheNamedOnesAlone() {
        BackendConnection backend = fixture.backend();
        FlowParts a = fixture.client(backend);
        FlowParts b = fixture.client(backend);
        String g = a.prepared("s1", "select * from t");
        b.send(parse("mine", "select * from t"), sync());
        b.reply(ready('I'));
        a.send(bind("", "s1"), execute("", 0), sync());
        a.reply(bindComplete(), commandComplete("SELECT 0"), ready('I'));

        a.send(parse("", "select * from u"), bind("", ""), execute("", 0), sync());
        a.reply(parseComplete(), error("0A000", StatementRequests.CACHED_PLAN_CHANGED), ready('I'));
        assertThat(a.received()).endsWith("1", "E 0A000 cached plan must not change result type", "Z I");

        b.received();
        b.sent();
        b.send(bind("", "mine"), execute("", 0), sync());
        assertThat(b.sent()).as("s1 did not change: b's Bind goes to the backend").containsExactly("B " + g, "E", "S");
        b.reply(bindComplete(), commandComplete("SELECT 0"), ready('I'));
        assertThat(b.received()).containsExactly("2", "C SELECT 0", "Z I");
    }

    /**
     * A Describe of a named statement whose result type changed fails as a Bind does (the server revalidates the plan to
     * describe its rows: ParameterDescription, then the error). The change is about that statement: it is prepared again
     * before the client's retry, and another holder is told once.
     */
    @Test
    void aResultTypeChangeFoundByADescribeIsAboutTheDescribedStatement() {
        BackendConnection backend = fixture.backend();
        FlowParts a = fixture.client(backend);
        FlowParts b = fixture.client(backend);
        String g = a.prepared("s1", "select * from t");
        b.send(parse("mine", "select * from t"), sync());
        b.reply(ready('I'));
        b.received();
        b.sent();

        a.send(describe('S', "s1"), sync());
        assertThat(a.sent()).containsExactly("D S " + g, "S");
        a.reply(parameterDescription(), error("0A000", StatementRequests.CACHED_PLAN_CHANGED), ready('I'));
        assertThat(a.received()).containsExactly("t", "E 0A000 cached plan must not change result type", "Z I");

        a.send(describe('S', "s1"), sync());
        assertThat(a.sent()).as("prepared again first").containsExactly("C S " + g, "P " + g, "D S " + g, "S");
        a.reply(closeComplete(), parseComplete(), parameterDescription(), rowDescription("a", "b"), ready('I'));
        assertThat(a.received()).as("told once").containsExactly("t", "T a,b", "Z I");

        b.send(bind("", "mine"), execute("", 0), sync());
        assertThat(b.sent()).as("b is told by the gateway").containsExactly("S");
        b.reply(ready('I'));
        assertThat(b.received()).containsExactly("E 0A000 cached plan must not change result type", "Z I");
    }

    // ---- portals, flush, transactions ----

    /**
     * pgjdbc's setFetchSize inside a transaction: an Execute with a row limit ends at PortalSuspended, the next Execute
     * of the portal goes on; the backend stays the client's until COMMIT's ReadyForQuery says idle.
     */
    @Test
    void anExecuteWithARowLimitEndsAtPortalSuspendedAndTheNextOneContinues() {
        FlowParts c = fixture.client(fixture.backend());
        c.send(query("BEGIN"));
        c.reply(commandComplete("BEGIN"), ready('T'));

        c.send(parse("", "select generate_series(1, 3) as n"), bind("C_1", ""), describe('P', "C_1"), execute("C_1", 2), sync());
        c.reply(parseComplete(), bindComplete(), rowDescription("n"), dataRow("1"), dataRow("2"), portalSuspended());
        assertThat(c.expecting()).as("PortalSuspended answered the Execute").containsExactly(Kind.SYNC);
        c.reply(ready('T'));
        c.send(execute("C_1", 2), sync());
        c.reply(dataRow("3"), commandComplete("SELECT 1"), ready('T'));
        c.send(query("COMMIT"));
        c.reply(commandComplete("COMMIT"), ready('I'));

        assertThat(c.received()).containsExactly("C BEGIN", "Z T",
                "1", "2", "T n", "D 1", "D 2", "s", "Z T",
                "D 3", "C SELECT 1", "Z T",
                "C COMMIT", "Z I");
        assertThat(c.releaseChecks).containsExactly(false, false, false, true);
    }

    /** asyncpg: Parse and Describe, then Flush, no Sync — answered at once, and the backend stays the client's. */
    @Test
    void parseDescribeFlushIsAnsweredAndTheBackendStaysTheClientsUntilItsSync() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("stmt_1", "select 1 as one"), describe('S', "stmt_1"), flush());
        String g = c.gatewayName("stmt_1");
        assertThat(c.sent()).containsExactly("P " + g, "D S " + g, "H");
        c.reply(parseComplete(), parameterDescription(), rowDescription("one"));
        assertThat(c.received()).containsExactly("1", "t", "T one");
        assertThat(c.expected.isEmpty()).isTrue();
        assertThat(c.batch.unsynced).as("no Sync yet: the flow must not give the backend back").isTrue();
        assertThat(c.releaseChecks).as("no ReadyForQuery yet").isEmpty();

        c.send(bind("", "stmt_1"), execute("", 0), sync());
        c.reply(bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
        assertThat(c.received()).containsExactly("2", "D 1", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** pgjdbc with autocommit off sends BEGIN in the same batch as the first query: the transaction keeps the backend. */
    @Test
    void aBeginBatchedWithTheFirstQueryKeepsTheBackendUntilTheCommit() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "BEGIN"), bind("", ""), execute("", 0), parse("", "insert into t values (1)"), bind("", ""),
                execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), commandComplete("BEGIN"), parseComplete(), bindComplete(),
                commandComplete("INSERT 0 1"), ready('T'));
        assertThat(c.releaseChecks).as("in a transaction").containsExactly(false);
        c.send(parse("", "COMMIT"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), commandComplete("COMMIT"), ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "C BEGIN", "1", "2", "C INSERT 0 1", "Z T",
                "1", "2", "C COMMIT", "Z I");
        assertThat(c.releaseChecks).containsExactly(false, true);
    }

    // ---- COPY ----

    /** COPY FROM STDIN that the client ends with CopyFail: its data and the CopyFail reach the server, the error the client. */
    @Test
    void copyFromStdinEndedWithCopyFail() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("COPY t FROM STDIN"));
        c.reply(copyInResponse(1));
        assertThat(c.received()).containsExactly("G");
        c.send(copyData("1\n"), copyData("2\n"), copyFail("client gave up"));
        assertThat(c.sent()).containsExactly("Q COPY t FROM STDIN", "d 1\n", "d 2\n", "f client gave up");
        c.reply(error("57014", "COPY from stdin failed: client gave up"), ready('I'));

        assertThat(c.received()).containsExactly("E 57014 COPY from stdin failed: client gave up", "Z I");
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** COPY TO STDOUT: every CopyData reaches the client as sent, and the backend could go back at the end. */
    @Test
    void copyToStdoutPassesItsDataThrough() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("COPY t TO STDOUT"));
        c.reply(copyOutResponse(1));
        for (int i = 0; i < 100; i++) c.reply(copyData(i + "\n"));
        c.reply(copyDone(), commandComplete("COPY 100"), ready('I'));

        List<String> expected = new ArrayList<>();
        expected.add("H");
        for (int i = 0; i < 100; i++) expected.add("d " + i + "\n");
        expected.addAll(List.of("c", "C COPY 100", "Z I"));
        assertThat(c.received()).containsExactlyElementsOf(expected);
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** COPY between uses of a prepared statement on a backend that lacks it: each reply in its place. */
    @Test
    void copyMixedWithAPreparedStatement() {
        BackendConnection first = fixture.backend();
        BackendConnection second = fixture.backend();
        FlowParts c = fixture.client(first);
        String g = c.prepared("s1", "select count(*) from t");
        c.attach(second);

        c.send(query("COPY t FROM STDIN"));
        c.reply(copyInResponse(1));
        c.send(copyData("1\n"), copyDone());
        c.reply(commandComplete("COPY 1"), ready('I'));
        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("Q COPY t FROM STDIN", "d 1\n", "c", "P " + g, "B " + g, "E", "S");
        c.reply(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly("G", "C COPY 1", "Z I", "2", "D 1", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).containsExactly(true, true);
    }

    /**
     * COPY FROM STDIN sent with the extended protocol, as libpq sends it for PQexecParams: Parse/Bind/Execute/Sync, the
     * data, CopyDone and a second Sync. The server ignores a Sync in copy-in mode, so both Syncs get one ReadyForQuery
     * (checked against PostgreSQL 17: {@code 1 2 G}, then {@code C Z}). After it nothing is outstanding; the next batch's
     * own ParseComplete comes before its ReadyForQuery.
     */
    @Test
    void copyFromStdinWithTheExtendedProtocolIsAnsweredByOneReadyForQueryForBothSyncs() {
        BackendConnection backend = fixture.backend();
        FlowParts other = fixture.client(backend);
        other.prepared("theirs", "select 1");
        FlowParts c = fixture.client(backend);

        c.send(parse("", "COPY t FROM STDIN"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), copyInResponse(1));
        c.send(copyData("1\n"), copyDone(), sync());
        c.reply(commandComplete("COPY 1"), ready('I'));
        assertThat(c.received()).containsExactly("1", "2", "G", "C COPY 1", "Z I");
        assertThat(c.expecting()).as("nothing outstanding: the server sends no second ReadyForQuery").isEmpty();
        assertThat(c.releaseChecks).containsExactly(true);

        c.send(parse("mine", "select 1"), sync()); // the backend has it: the gateway answers the Parse
        c.reply(ready('I'));
        assertThat(c.received()).containsExactly("1", "Z I");
    }

    /** The same with CopyFail: the error, then one ReadyForQuery for the Sync after the CopyFail. */
    @Test
    void copyFromStdinWithTheExtendedProtocolEndedWithCopyFailIsAnsweredByOneReadyForQuery() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "COPY t FROM STDIN"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), copyInResponse(1));
        c.send(copyData("1\n"), copyFail("client gave up"), sync());
        c.reply(error("57014", "COPY from stdin failed: client gave up"), ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "G", "E 57014 COPY from stdin failed: client gave up", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /**
     * A Sync the client sends once the server has said it copies in (Parse/Bind/Execute/Flush, CopyInResponse, then Sync
     * and the data) is not sent: the server would ignore it — or, had the COPY failed before it read it, answer it with a
     * ReadyForQuery the gateway could not place. Until the Sync after the CopyDone the implicit transaction stays open,
     * and the backend the client's.
     */
    @Test
    void aSyncSentDuringCopyInAfterTheCopyInResponseIsNotSent() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "COPY t FROM STDIN"), bind("", ""), execute("", 0), flush());
        c.reply(parseComplete(), bindComplete(), copyInResponse(1));
        c.send(sync(), copyData("1\n"), copyDone());
        c.reply(commandComplete("COPY 1"));
        assertThat(c.batch.unsynced).as("no Sync since the Execute has reached the server").isTrue();
        c.send(sync());
        assertThat(c.sent()).containsExactly("P COPY t FROM STDIN", "B", "E", "H", "d 1\n", "c", "S");
        c.reply(ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "G", "C COPY 1", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /**
     * The whole extended COPY in one read, before the server's CopyInResponse: the Sync before the CopyDone is the one the
     * server ignores, the Sync after it gets the only ReadyForQuery.
     */
    @ParameterizedTest(name = "replayed: {0}")
    @ValueSource(booleans = {false, true})
    void anExtendedCopySentWholeBeforeTheCopyInResponseIsAnsweredByOneReadyForQuery(boolean replayed) {
        FlowParts c = fixture.client(fixture.backend());
        c.replayed = replayed;

        c.sendInOneRead(parse("", "COPY t FROM STDIN"), bind("", ""), execute("", 0), sync(), copyData("1\n"), copyDone(), sync());
        assertThat(c.expecting()).containsExactly(Kind.PARSE, Kind.BIND, Kind.EXECUTE, Kind.SYNC, Kind.COPY_END, Kind.SYNC);
        c.reply(parseComplete(), bindComplete(), copyInResponse(1));
        assertThat(c.expecting()).as("the Sync within the copy-in goes").containsExactly(Kind.EXECUTE, Kind.SYNC);
        assertThat(c.batch.copyingIn).as("the client's CopyDone came already").isFalse();
        c.reply(commandComplete("COPY 1"), ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "G", "C COPY 1", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** CopyDone before the only Sync, all at once (Parse/Bind/Execute, data, CopyDone, Sync): that Sync is answered. */
    @Test
    void anExtendedCopyWithItsOnlySyncAfterTheCopyDone() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "COPY t FROM STDIN"), bind("", ""), execute("", 0), copyData("1\n"), copyDone(), sync());
        c.reply(parseComplete(), bindComplete(), copyInResponse(1), commandComplete("COPY 1"), ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "G", "C COPY 1", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /**
     * A COPY that fails before copy-in (no such table: no CopyInResponse) leaves the server out of copy mode: each Sync
     * gets its ReadyForQuery, the data and CopyDone between them are ignored, and a ParseComplete the gateway answers
     * after the CopyDone comes in its place.
     */
    @Test
    void anExtendedCopyThatFailsBeforeCopyInGetsAReadyForQueryPerSync() {
        BackendConnection backend = fixture.backend();
        FlowParts other = fixture.client(backend);
        other.prepared("theirs", "select 1");
        other.sent();
        FlowParts c = fixture.client(backend);

        c.send(parse("", "COPY missing FROM STDIN"), bind("", ""), execute("", 0), sync(), copyData("1\n"), copyDone(),
                parse("mine", "select 1"), sync());
        c.reply(error("42P01", "relation \"missing\" does not exist"));
        assertThat(c.expecting()).containsExactly(Kind.SYNC, Kind.COPY_END, Kind.SYNTHETIC, Kind.SYNC);
        c.reply(ready('I'));
        assertThat(c.expecting()).as("no copy-in began: the CopyDone marks nothing").containsExactly(Kind.SYNC);
        c.reply(ready('I'));

        assertThat(c.received()).containsExactly("E 42P01 relation \"missing\" does not exist", "Z I", "1", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(false, true);
    }

    /**
     * The server fails the COPY during copy-in, before the client's CopyDone (bad data): it leaves copy-in and skips to
     * the next Sync it reads — the one after the client's CopyDone, since the Sync before it was read and ignored. What
     * the client sends up to that Sync is dropped here too.
     */
    @Test
    void anExtendedCopyFailingDuringCopyInIsAnsweredAtTheSyncAfterTheCopyDone() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "COPY t FROM STDIN"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), copyInResponse(1));
        c.send(copyData("x\n"));
        c.reply(error("22P02", "invalid input syntax for type integer: \"x\""));
        assertThat(c.batch.copyingIn).isFalse();
        c.send(copyData("2\n"), copyDone(), sync());
        assertThat(c.sent()).containsExactly("P COPY t FROM STDIN", "B", "E", "S", "d x\n", "S");
        c.reply(ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "G", "E 22P02 invalid input syntax for type integer: \"x\"", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /**
     * A simple-protocol COPY works as before, sent whole before the CopyInResponse or not; a Sync sent during its copy-in
     * is ignored by the server, so it is not sent.
     */
    @Test
    void aSimpleCopyIsAnsweredAtItsReadyForQueryAndASyncWithinItIsNotSent() {
        FlowParts c = fixture.client(fixture.backend());

        c.sendInOneRead(query("COPY t FROM STDIN"), copyData("1\n"), copyDone());
        c.reply(copyInResponse(1), commandComplete("COPY 1"), ready('I'));
        c.send(query("COPY t FROM STDIN"));
        c.reply(copyInResponse(1));
        c.send(sync(), copyData("2\n"), copyDone());
        c.reply(commandComplete("COPY 1"), ready('I'));

        assertThat(c.sent()).containsExactly("Q COPY t FROM STDIN", "d 1\n", "c", "Q COPY t FROM STDIN", "d 2\n", "c");
        assertThat(c.received()).containsExactly("G", "C COPY 1", "Z I", "G", "C COPY 1", "Z I");
        assertThat(c.expecting()).isEmpty();
        assertThat(c.releaseChecks).containsExactly(true, true);
    }

    // ---- session state ----

    /**
     * SET of a reported parameter inside a transaction that is rolled back: the server reports the value and then the
     * old one again; the client's tracked value follows both, and nothing pins.
     */
    @Test
    void aSetOfAReportedParameterInARolledBackTransactionLeavesTheOldValue() {
        FlowParts c = fixture.client(fixture.backend()).loggedIn(Map.of("TimeZone", "UTC"));

        c.send(query("BEGIN"));
        c.reply(commandComplete("BEGIN"), ready('T'));
        c.send(query("SET TimeZone = 'Asia/Tokyo'"));
        c.reply(commandComplete("SET"), parameterStatus("TimeZone", "Asia/Tokyo"), ready('T'));
        assertThat(c.session.parameters().reported()).containsEntry("TimeZone", "Asia/Tokyo");
        c.send(query("ROLLBACK"));
        c.reply(commandComplete("ROLLBACK"), parameterStatus("TimeZone", "UTC"), ready('I'));

        assertThat(c.received()).containsExactly("C BEGIN", "Z T", "C SET", "S TimeZone=Asia/Tokyo", "Z T",
                "C ROLLBACK", "S TimeZone=UTC", "Z I");
        assertThat(c.session.parameters().reported()).containsEntry("TimeZone", "UTC");
        assertThat(c.batch.pinned()).isFalse();
        assertThat(c.releaseChecks).containsExactly(false, false, true);
    }

    /**
     * RESET of a reported parameter returns it to the backend's default, not the client's: the gateway puts the
     * client's value back right behind it, and the client's ReadyForQuery waits until it has, so the client reads the
     * ParameterStatus of its own value before it can send anything else.
     */
    @Test
    void theReadyForQueryOfAResetWaitsForTheClientsValueToBePutBack() {
        FlowParts c = fixture.client(fixture.backend()).loggedIn(Map.of("TimeZone", "Europe/Paris"));

        c.send(query("RESET TimeZone"));
        String restore = ClientMessages.RESTORE_STATEMENT;
        assertThat(c.sent()).containsExactly("Q RESET TimeZone", "P " + restore, "B " + restore, "E", "C S " + restore, "S");
        assertThat(c.expecting()).containsExactly(Kind.QUERY, Kind.RESTORE);
        c.reply(commandComplete("RESET"), parameterStatus("TimeZone", "UTC"), ready('I'));
        assertThat(c.received()).as("the ReadyForQuery is held").containsExactly("C RESET", "S TimeZone=UTC");
        c.reply(parseComplete(), bindComplete(), parameterStatus("TimeZone", "Europe/Paris"), dataRow("Europe/Paris"),
                commandComplete("SELECT 1"), closeComplete(), ready('I'));

        assertThat(c.received()).containsExactly("S TimeZone=Europe/Paris", "Z I");
        assertThat(c.session.parameters().reported()).containsEntry("TimeZone", "Europe/Paris");
        assertThat(c.releaseChecks).containsExactly(false, true);
    }

    /**
     * DISCARD ALL that ran: the backend has none of the gateway's statements any more (nothing left to close either),
     * and a pin that DISCARD ALL undoes (LISTEN) ends at its ReadyForQuery.
     */
    @Test
    void aDiscardAllThatRanForgetsTheBackendsStatementsAndEndsAResettablePin() {
        BackendConnection backend = fixture.backend();
        FlowParts c = fixture.client(backend);
        String g = c.prepared("s1", "select 1");
        c.send(query("LISTEN jobs"));
        c.reply(commandComplete("LISTEN"), ready('I'));
        assertThat(c.releaseChecks).as("pinned").containsExactly(false);

        c.send(query("DISCARD ALL"));
        c.reply(commandComplete("DISCARD ALL"), ready('I'));
        assertThat(c.statements.size()).as("the client's map is empty once it ran").isZero();

        assertThat(c.received()).containsExactly("C LISTEN", "Z I", "C DISCARD ALL", "Z I");
        assertThat(backend.statements().size()).isZero();
        assertThat(backend.statements().mustClose(g)).as("DISCARD ALL closed it").isFalse();
        assertThat(c.batch.pinned()).isFalse();
        assertThat(c.releaseChecks).containsExactly(false, true);
    }

    /**
     * DISCARD ALL that failed (inside a transaction block) may have left the gateway's statements on the backend: each
     * is closed before it is prepared there again, and the pin stays.
     */
    @Test
    void aDiscardAllThatFailedLeavesTheStatementsToBeClosedBeforeReuse() {
        BackendConnection backend = fixture.backend();
        FlowParts other = fixture.client(backend);
        String g = other.prepared("theirs", "select 1"); // held by another client: the gateway keeps its name
        FlowParts c = fixture.client(backend);
        c.send(query("LISTEN jobs"));
        c.reply(commandComplete("LISTEN"), ready('I'));
        c.send(query("BEGIN"));
        c.reply(commandComplete("BEGIN"), ready('T'));

        c.send(query("DISCARD ALL"));
        c.reply(error("25001", "DISCARD ALL cannot run inside a transaction block"), ready('E'));
        c.send(query("ROLLBACK"));
        c.reply(commandComplete("ROLLBACK"), ready('I'));
        assertThat(c.batch.pinned()).as("the LISTEN still holds").isTrue();
        assertThat(backend.statements().mustClose(g)).isTrue();
        c.received();

        c.send(parse("s2", "select 1"), sync());
        assertThat(c.sent()).containsExactly("Q LISTEN jobs", "Q BEGIN", "Q DISCARD ALL", "Q ROLLBACK", "C S " + g, "P " + g, "S");
        c.reply(closeComplete(), parseComplete(), ready('I'));
        assertThat(c.received()).as("the gateway's CloseComplete is swallowed").containsExactly("1", "Z I");
    }

    // ---- what passes through ----

    /** Notices and ParameterStatus in the middle of a batch reach the client where the server put them. */
    @Test
    void noticesAndParameterStatusPassThroughInPlace() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "select f()"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), notice("hello"), dataRow("1"), parameterStatus("application_name", "x"),
                commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "N 00000 hello", "D 1", "S application_name=x", "C SELECT 1", "Z I");
        assertThat(c.session.parameters().reported()).containsEntry("application_name", "x");
        assertThat(c.backend.transactionStatus()).isEqualTo(TransactionStatus.IDLE);
    }

    /**
     * A ParameterStatus of the value the client already has is dropped: PostgreSQL reports only changes, but a backend
     * reports what a reset put back at the next client's ReadyForQuery when the reset joined that client's batch.
     */
    @Test
    void aParameterStatusOfTheValueTheClientHasIsNotRepeated() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "select 1"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), parameterStatus("application_name", "x"),
                ready('I'));
        c.send(parse("", "select 1"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), parameterStatus("application_name", "x"),
                ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "D 1", "C SELECT 1", "S application_name=x", "Z I",
                "1", "2", "D 1", "C SELECT 1", "Z I");
    }
}
