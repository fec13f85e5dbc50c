package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.testing.RawBackend.bindComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.closeComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.commandComplete;
import static org.stonescriptdb.gateway.testing.RawBackend.dataRow;
import static org.stonescriptdb.gateway.testing.RawBackend.error;
import static org.stonescriptdb.gateway.testing.RawBackend.parameterDescription;
import static org.stonescriptdb.gateway.testing.RawBackend.parameterStatus;
import static org.stonescriptdb.gateway.testing.RawBackend.parseComplete;
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
 * The client-side cases of docs/PROTOCOL-EDGES (the design's list of what breaks connection poolers), one per test, fed
 * to the transaction flow's parts ({@link FlowParts}): how the client's statement map follows Close, DEALLOCATE and
 * their extended forms; what reaches the backend of pipelined and mixed messages; and which SQL pins the client to its
 * backend — session state the gateway cannot carry — and which does not.
 */
class ProtocolEdgesTest extends FlowPartsTest {

    // ---- the client's statement map ----

    /** After Close of a named statement its name is free: a Bind of it is refused as the server would, a Parse reuses it. */
    @Test
    void closeOfANamedStatementFreesItsName() {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select 1");

        c.send(close('S', "s1"), bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).as("the Close is the gateway's; the Bind and Execute are refused and skipped").containsExactly("S");
        c.reply(ready('I'));
        assertThat(c.received()).containsExactly("3", "E 26000 prepared statement \"s1\" does not exist", "Z I");
        assertThat(c.statements.contains("s1")).isFalse();

        c.send(parse("s1", "select 2"), sync());
        assertThat(c.gatewayName("s1")).isNotEqualTo(g);
        assertThat(c.sent()).containsExactly("P " + c.gatewayName("s1"), "S");
    }

    /** Between transactions, Close of a named statement (and the Sync after it) is answered with no backend at all. */
    @Test
    void closeOfANamedStatementBetweenTransactionsNeedsNoBackend() {
        FlowParts c = fixture.client(fixture.backend());
        c.prepared("s1", "select 1");
        c.attach(null); // given back

        assertThat(c.sendWithoutBackend(close('S', "s1"))).isTrue();
        assertThat(c.sendWithoutBackend(sync())).isTrue();

        assertThat(c.received()).containsExactly("3", "Z I");
        assertThat(c.statements.contains("s1")).isFalse();
    }

    /** SQL DEALLOCATE of a protocol statement inside a transaction: answered by the gateway, with the transaction's status. */
    @Test
    void deallocateNameInsideATransactionIsAnsweredWithItsStatus() {
        FlowParts c = fixture.client(fixture.backend());
        c.prepared("s1", "select 1");
        c.send(query("BEGIN"));
        c.reply(commandComplete("BEGIN"), ready('T'));

        c.send(query("DEALLOCATE PREPARE s1"));

        assertThat(c.sent()).containsExactly("Q BEGIN");
        assertThat(c.received()).containsExactly("C BEGIN", "Z T", "C DEALLOCATE", "Z T");
        assertThat(c.statements.contains("s1")).isFalse();
        assertThat(c.releaseChecks).as("in a transaction").containsExactly(false, false);
    }

    /**
     * DEALLOCATE sent with the extended protocol (psycopg): the backend deallocates the gateway's statement, which it
     * must then close before preparing it again, and the client's name is gone.
     */
    @Test
    void deallocateNameWithTheExtendedProtocolDeallocatesTheGatewaysStatement() {
        BackendConnection backend = fixture.backend();
        FlowParts c = fixture.client(backend);
        String g = c.prepared("s1", "select 1");

        c.send(parse("", "DEALLOCATE s1"), bind("", ""), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("P DEALLOCATE \"" + g + "\"", "B", "E", "S");
        c.reply(parseComplete(), bindComplete(), commandComplete("DEALLOCATE"), ready('I'));

        assertThat(c.received()).containsExactly("1", "2", "C DEALLOCATE", "Z I");
        assertThat(c.statements.contains("s1")).isFalse();
        assertThat(backend.statements().generation(g)).isEqualTo(-1);
        assertThat(backend.statements().mustClose(g)).isTrue();
    }

    /**
     * DEALLOCATE ALL empties this client's map only: answered by the gateway, the backend untouched, and another
     * client's same statement still prepared there.
     */
    @Test
    void deallocateAllEmptiesOnlyThisClientsMap() {
        BackendConnection backend = fixture.backend();
        FlowParts a = fixture.client(backend);
        FlowParts b = fixture.client(backend);
        String g = a.prepared("s1", "select 1");
        a.prepared("s2", "select 2");
        b.prepared("mine", "select 1");

        a.send(query("DEALLOCATE ALL"));
        assertThat(a.sent()).isEmpty();
        assertThat(a.received()).containsExactly("C DEALLOCATE ALL", "Z I");
        assertThat(a.statements.size()).isZero();

        b.send(bind("", "mine"), execute("", 0), sync());
        assertThat(b.sent()).as("still prepared on the backend").containsExactly("B " + g, "E", "S");
        b.reply(bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
    }

    /**
     * A pinned client's DEALLOCATE ALL also drops its SQL-level statements: it goes to the server, the client's map
     * empties, and every gateway statement on that backend is to be closed before it is prepared again.
     */
    @Test
    void aPinnedClientsDeallocateAllGoesToTheServer() {
        BackendConnection backend = fixture.backend();
        FlowParts c = fixture.client(backend);
        String g = c.prepared("s1", "select 1");
        c.send(query("PREPARE p AS select 2"));
        c.reply(commandComplete("PREPARE"), ready('I'));

        c.send(query("DEALLOCATE ALL"));
        c.reply(commandComplete("DEALLOCATE ALL"), ready('I'));

        assertThat(c.sent()).containsExactly("Q PREPARE p AS select 2", "Q DEALLOCATE ALL");
        assertThat(c.received()).containsExactly("C PREPARE", "Z I", "C DEALLOCATE ALL", "Z I");
        assertThat(c.statements.size()).isZero();
        assertThat(backend.statements().mustClose(g)).isTrue();
    }

    /**
     * DISCARD ALL empties the client's map once the server has run it (at its ReadyForQuery); the backend's statements
     * are to be closed from the moment it is sent.
     */
    @Test
    void discardAllEmptiesTheClientsMap() {
        BackendConnection backend = fixture.backend();
        FlowParts c = fixture.client(backend);
        String g = c.prepared("s1", "select 1");

        c.send(query("DISCARD ALL"));
        assertThat(c.sent()).containsExactly("Q DISCARD ALL");
        assertThat(backend.statements().mustClose(g)).isTrue();
        assertThat(c.batch.discardAtReady).isTrue();
        c.reply(commandComplete("DISCARD ALL"), ready('I'));

        assertThat(c.statements.size()).isZero();
    }

    /**
     * A statement the client prepares right behind its DISCARD ALL, before the reply (a driver that sends its reset with
     * its next command), was prepared after the DISCARD ALL ran: it stays; the one held before goes.
     */
    @Test
    void aStatementPreparedBehindADiscardAllStays() {
        FlowParts c = fixture.client(fixture.backend());
        c.prepared("s1", "select 1");

        c.sendInOneRead(query("DISCARD ALL"), parse("s2", "select 2"), sync());
        c.reply(commandComplete("DISCARD ALL"), ready('I'), parseComplete(), ready('I'));

        assertThat(c.received()).containsExactly("C DISCARD ALL", "Z I", "1", "Z I");
        assertThat(c.statements.contains("s1")).isFalse();
        assertThat(c.statements.contains("s2")).isTrue();
    }

    // ---- DEALLOCATE and DISCARD ALL that fail: the client keeps its statements, as on the server ----

    private static final String ABORTED = "25P02 current transaction is aborted, commands ignored until end of transaction block";

    /** The client's transaction has failed: status E, as after any error inside BEGIN. */
    private static void failedTransaction(FlowParts c) {
        c.send(query("BEGIN"));
        c.reply(commandComplete("BEGIN"), ready('T'));
        c.send(query("select 1/0"));
        c.reply(error("22012", "division by zero"), ready('E'));
        c.received();
    }

    /**
     * DEALLOCATE of a protocol statement in an aborted transaction: the gateway, which answers it, refuses it as the
     * server refuses any command there (25P02), and the statement stays — usable after the ROLLBACK.
     */
    @ParameterizedTest
    @ValueSource(strings = {"DEALLOCATE s1", "DEALLOCATE ALL"})
    void deallocateInAnAbortedTransactionIsRefusedAndTheStatementStays(String sql) {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select 1");
        failedTransaction(c);

        c.send(query(sql));
        assertThat(c.received()).containsExactly("E " + ABORTED, "Z E");
        assertThat(c.statements.contains("s1")).isTrue();
        c.send(query("ROLLBACK"));
        c.reply(commandComplete("ROLLBACK"), ready('I'));
        c.sent();

        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("B " + g, "E", "S");
        c.reply(bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
        assertThat(c.received()).containsExactly("C ROLLBACK", "Z I", "2", "D 1", "C SELECT 1", "Z I");
    }

    /** DEALLOCATE of a gateway statement's name in an aborted transaction: 25P02 too, as the server checks that first. */
    @Test
    void deallocateOfAGatewayNameInAnAbortedTransactionIsRefusedAsAborted() {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select 1");
        failedTransaction(c);

        c.send(query("DEALLOCATE " + g));

        assertThat(c.received()).containsExactly("E " + ABORTED, "Z E");
    }

    /**
     * DEALLOCATE sent with the extended protocol in an aborted transaction: the server refuses its Parse (25P02), whatever
     * it names, so it goes as the client sent it and the client keeps its statement.
     */
    @Test
    void deallocateWithTheExtendedProtocolInAnAbortedTransactionKeepsTheStatement() {
        FlowParts c = fixture.client(fixture.backend());
        c.prepared("s1", "select 1");
        failedTransaction(c);
        c.sent();

        c.send(parse("", "DEALLOCATE s1"), bind("", ""), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("P DEALLOCATE s1", "B", "E", "S");
        c.reply(error("25P02", "current transaction is aborted, commands ignored until end of transaction block"), ready('E'));

        assertThat(c.received()).containsExactly("E " + ABORTED, "Z E");
        assertThat(c.statements.contains("s1")).isTrue();
    }

    /**
     * DISCARD ALL inside a transaction block is refused by the server (25001): the client's statements stay, and its Bind
     * after the ROLLBACK works (each statement prepared again first, in case it had run).
     */
    @Test
    void aDiscardAllRefusedInATransactionBlockLeavesTheClientsStatements() {
        FlowParts c = fixture.client(fixture.backend());
        String g = c.prepared("s1", "select 1");
        c.send(query("BEGIN"));
        c.reply(commandComplete("BEGIN"), ready('T'));

        c.send(query("DISCARD ALL"));
        c.reply(error("25001", "DISCARD ALL cannot run inside a transaction block"), ready('E'));
        c.send(query("ROLLBACK"));
        c.reply(commandComplete("ROLLBACK"), ready('I'));
        assertThat(c.statements.contains("s1")).isTrue();
        c.sent();
        c.received();

        c.send(bind("", "s1"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("C S " + g, "P " + g, "B " + g, "E", "S");
        c.reply(closeComplete(), parseComplete(), bindComplete(), dataRow("1"), commandComplete("SELECT 1"), ready('I'));
        assertThat(c.received()).containsExactly("2", "D 1", "C SELECT 1", "Z I");
    }

    /** A pinned client's DEALLOCATE ALL, which goes to the server, refused there in an aborted transaction: nothing goes. */
    @Test
    void aPinnedClientsDeallocateAllRefusedByTheServerLeavesItsStatements() {
        FlowParts c = fixture.client(fixture.backend());
        c.prepared("s1", "select 1");
        c.send(query("PREPARE p AS select 2"));
        c.reply(commandComplete("PREPARE"), ready('I'));
        failedTransaction(c);

        c.send(query("DEALLOCATE ALL"));
        c.reply(error("25P02", "current transaction is aborted, commands ignored until end of transaction block"), ready('E'));

        assertThat(c.statements.contains("s1")).isTrue();
    }

    /** A named statement goes to the backend under one gateway name in Parse, Bind and Describe; its Close is the gateway's. */
    @Test
    void aNamedStatementIsRenamedAlikeInParseBindDescribeAndClose() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("s1", "select 1 as one"), describe('S', "s1"), bind("p1", "s1"), describe('P', "p1"), execute("p1", 0),
                close('P', "p1"), close('S', "s1"), sync());
        List<String> sent = c.sent();
        assertThat(sent.getFirst()).startsWith("P " + StatementRegistry.PREFIX);
        String g = sent.getFirst().substring(2);
        assertThat(sent).containsExactly("P " + g, "D S " + g, "B " + g, "D P p1", "E", "C P p1", "S");
        assertThat(c.expecting()).containsExactly(Kind.PARSE, Kind.DESCRIBE, Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE, Kind.CLOSE,
                Kind.SYNTHETIC, Kind.SYNC);
        c.reply(parseComplete(), parameterDescription(), rowDescription("one"), bindComplete(), rowDescription("one"),
                dataRow("1"), commandComplete("SELECT 1"), closeComplete(), ready('I'));

        assertThat(c.received()).containsExactly("1", "t", "T one", "2", "T one", "D 1", "C SELECT 1", "3", "3", "Z I");
    }

    // ---- pipelining and batches ----

    /**
     * A simple Query and an extended batch in one read: each reaches the backend in order, each is answered in order.
     *
     * <p>Either way the flow hands the messages on: the unnamed ones let through unread, or all read whole
     * (replayed from the backlog).
     */
    @ParameterizedTest(name = "replayed: {0}")
    @ValueSource(booleans = {false, true})
    void simpleQueryAndExtendedMessagesInOneRead(boolean replayed) {
        FlowParts c = fixture.client(fixture.backend());
        c.replayed = replayed;

        c.sendInOneRead(query("select 'simple'"), parse("", "select 'extended'"), bind("", ""), execute("", 0), sync(),
                query("select 'again'"));
        assertThat(c.sent()).containsExactly("Q select 'simple'", "P select 'extended'", "B", "E", "S", "Q select 'again'");
        assertThat(c.expecting()).containsExactly(Kind.QUERY, Kind.PARSE, Kind.BIND, Kind.EXECUTE, Kind.SYNC, Kind.QUERY);
        c.reply(rowDescription("text"), dataRow("simple"), commandComplete("SELECT 1"), ready('I'),
                parseComplete(), bindComplete(), dataRow("extended"), commandComplete("SELECT 1"), ready('I'),
                rowDescription("text"), dataRow("again"), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly("T text", "D simple", "C SELECT 1", "Z I",
                "1", "2", "D extended", "C SELECT 1", "Z I",
                "T text", "D again", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).containsExactly(false, false, true);
    }

    /**
     * The unnamed statement and portal are the server's, not the gateway's: passed on as they are, never renamed or
     * answered by the gateway, and the backend stays the client's from the Parse to the Sync (a Flush between does not
     * end the batch).
     *
     * <p>Either way the flow hands the messages on: the unnamed ones let through unread, or all read whole
     * (replayed from the backlog).
     */
    @ParameterizedTest(name = "replayed: {0}")
    @ValueSource(booleans = {false, true})
    void theUnnamedStatementAndPortalStayOnTheBackendWithinTheirBatch(boolean replayed) {
        FlowParts c = fixture.client(fixture.backend());
        c.replayed = replayed;

        c.send(parse("", "select $1::int4 as n"), describe('S', ""), flush());
        assertThat(c.sent()).containsExactly("P select $1::int4 as n", "D S", "H");
        c.reply(parseComplete(), parameterDescription(23), rowDescription("n"));
        assertThat(c.batch.unsynced).as("the backend holds the unnamed statement for the client").isTrue();
        c.send(bind("", "", "7"), describe('P', ""), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("B", "D P", "E", "S");
        c.reply(bindComplete(), rowDescription("n"), dataRow("7"), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly("1", "t", "T n", "2", "T n", "D 7", "C SELECT 1", "Z I");
        assertThat(c.statements.size()).as("the unnamed statement is not the gateway's").isZero();
        assertThat(c.releaseChecks).as("only at the Sync's ReadyForQuery").containsExactly(true);
    }

    // ---- session state that pins ----

    /** SQL PREPARE pins; EXECUTE and a Bind of the SQL-level statement then go to the server that has it. */
    @Test
    void sqlPrepareAndExecutePinTheClient() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("PREPARE p(int) AS select $1"));
        assertThat(c.batch.pinReason).isEqualTo("SQL PREPARE");
        c.reply(commandComplete("PREPARE"), ready('I'));
        c.send(query("EXECUTE p(1)"), bind("", "p", "2"), execute("", 0), sync());
        assertThat(c.sent()).containsExactly("Q PREPARE p(int) AS select $1", "Q EXECUTE p(1)", "B p", "E", "S");
        c.reply(dataRow("1"), commandComplete("SELECT 1"), ready('I'), bindComplete(), dataRow("2"), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.received()).containsExactly("C PREPARE", "Z I", "D 1", "C SELECT 1", "Z I", "2", "D 2", "C SELECT 1", "Z I");
        assertThat(c.releaseChecks).as("pinned: never given back").containsExactly(false, false, false);
    }

    /** SQL PREPARE sent with the extended protocol pins as well. */
    @Test
    void sqlPrepareThroughTheExtendedProtocolPinsTheClient() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "PREPARE p AS select 1"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), commandComplete("PREPARE"), ready('I'));

        assertThat(c.batch.pinReason).isEqualTo("SQL PREPARE");
        assertThat(c.releaseChecks).containsExactly(false);
    }

    /** PREPARE TRANSACTION is two-phase commit, not a prepared statement: no pin. */
    @Test
    void prepareTransactionDoesNotPin() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("PREPARE TRANSACTION 'tx1'"));
        c.reply(commandComplete("PREPARE TRANSACTION"), ready('I'));

        assertThat(c.batch.pinned()).isFalse();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** LISTEN pins (notifications arrive on that backend only), also sent with the extended protocol. */
    @Test
    void listenPinsTheClient() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(parse("", "LISTEN jobs"), bind("", ""), execute("", 0), sync());
        c.reply(parseComplete(), bindComplete(), commandComplete("LISTEN"), ready('I'));

        assertThat(c.batch.pinReason).isEqualTo("LISTEN");
        assertThat(c.releaseChecks).containsExactly(false);
    }

    /** Temporary tables live in the session: every form of creating one pins. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "CREATE TEMP TABLE t (x int)|CREATE TEMP",
            "create temporary table t as select 1|CREATE TEMP",
            "CREATE LOCAL TEMPORARY TABLE t (x int)|CREATE TEMP",
            "SELECT 1 AS x INTO TEMP t|SELECT INTO TEMP",
            "select * into temporary table t from u|SELECT INTO TEMP"})
    void temporaryTablesPinTheClient(String sql, String reason) {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query(sql));
        c.reply(commandComplete("SELECT 1"), ready('I'));

        assertThat(c.batch.pinReason).isEqualTo(reason);
        assertThat(c.releaseChecks).containsExactly(false);
    }

    /** A session-level advisory lock outlives the transaction: pins. */
    @ParameterizedTest
    @ValueSource(strings = {"select pg_advisory_lock(1)", "SELECT pg_try_advisory_lock(1, 2)", "select pg_advisory_lock_shared(42)",
            "select x from t where pg_try_advisory_lock_shared(x)"})
    void sessionAdvisoryLocksPinTheClient(String sql) {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query(sql));
        c.reply(rowDescription("pg_advisory_lock"), dataRow(""), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.batch.pinReason).isEqualTo("session advisory lock");
        assertThat(c.releaseChecks).containsExactly(false);
    }

    /** A transaction-level advisory lock ends with its transaction: no pin. */
    @Test
    void transactionAdvisoryLocksDoNotPin() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("select pg_advisory_xact_lock(1)"));
        c.reply(rowDescription("pg_advisory_xact_lock"), dataRow(""), commandComplete("SELECT 1"), ready('I'));

        assertThat(c.batch.pinned()).isFalse();
        assertThat(c.releaseChecks).containsExactly(true);
    }

    /** DECLARE … WITH HOLD keeps a cursor past its transaction: pins; a plain cursor does not. */
    @Test
    void aCursorWithHoldPinsTheClient() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("BEGIN; DECLARE plain CURSOR FOR select 1; COMMIT"));
        assertThat(c.batch.pinned()).isFalse();
        c.send(query("DECLARE held CURSOR WITH HOLD FOR select 1"));

        assertThat(c.batch.pinReason).isEqualTo("DECLARE … WITH HOLD");
    }

    /** LOAD pins, and a DISCARD ALL does not undo it (the library stays loaded): the backend is closed, not reset. */
    @Test
    void loadPinsForGood() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("LOAD 'auto_explain'"));

        assertThat(c.batch.pinReason).isEqualTo("LOAD");
        assertThat(c.batch.pinResettable).isFalse();
    }

    // ---- settings: which are session state ----

    /** SET of a parameter the server does not report cannot be replayed: pins, even inside a transaction. */
    @Test
    void setOfAnUnreportedParameterInsideATransactionPins() {
        FlowParts c = fixture.client(fixture.backend()).loggedIn(Map.of("TimeZone", "UTC"));

        c.send(query("BEGIN"), query("SET work_mem = '64MB'"));

        assertThat(c.batch.pinReason).isEqualTo("SET work_mem");
    }

    /** SET of a parameter the server reports is replayed on the next backend: no pin. */
    @Test
    void setOfAReportedParameterDoesNotPin() {
        FlowParts c = fixture.client(fixture.backend()).loggedIn(Map.of("TimeZone", "UTC", "DateStyle", "ISO, MDY"));

        c.send(query("SET TimeZone = 'Asia/Tokyo'"), query("SET datestyle TO 'German'"));

        assertThat(c.batch.pinned()).isFalse();
    }

    /** SET LOCAL ends with the transaction: not session state. */
    @Test
    void setLocalDoesNotPin() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("BEGIN"), query("SET LOCAL work_mem = '64MB'"), query("SET LOCAL statement_timeout TO 1000"));

        assertThat(c.batch.pinned()).isFalse();
    }

    /** SET TRANSACTION concerns the transaction alone; SET SESSION CHARACTERISTICS … ISOLATION LEVEL is the session's. */
    @Test
    void setTransactionDoesNotPinButSessionCharacteristicsDo() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("BEGIN"), query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY"));
        assertThat(c.batch.pinned()).isFalse();
        c.send(query("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"));

        assertThat(c.batch.pinReason).isEqualTo("SET SESSION CHARACTERISTICS");
    }

    /** set_config(name, value, false) is a SET: pins; with true it is a SET LOCAL: does not. */
    @Test
    void setConfigPinsUnlessLocal() {
        FlowParts c = fixture.client(fixture.backend());

        c.send(query("select set_config('work_mem', '64MB', true)"));
        assertThat(c.batch.pinned()).isFalse();
        c.send(query("select set_config('work_mem', '64MB', false)"));

        assertThat(c.batch.pinReason).isEqualTo("set_config(…, false)");
    }

    /**
     * RESET ALL returns every setting to the backend's defaults: the client's login values are put back right behind
     * it, and the settings the gateway applied on that backend count as reset at its ReadyForQuery.
     */
    @Test
    void resetAllPutsBackEveryLoginValue() {
        BackendConnection backend = fixture.backend();
        FlowParts c = fixture.client(backend).loggedIn(Map.of("TimeZone", "Europe/Paris"));
        backend.settingsApplied(Map.of("statement_timeout", "5s"), List.of());

        c.send(query("RESET ALL"));
        String restore = ClientMessages.RESTORE_STATEMENT;
        assertThat(c.sent()).containsExactly("Q RESET ALL", "P " + restore, "B " + restore, "E", "C S " + restore, "S");
        assertThat(c.batch.pinned()).isFalse();
        c.reply(commandComplete("RESET"), parameterStatus("TimeZone", "UTC"), ready('I'));
        assertThat(backend.appliedSettings()).isEmpty();
        c.reply(parseComplete(), bindComplete(), parameterStatus("TimeZone", "Europe/Paris"), dataRow("Europe/Paris"),
                commandComplete("SELECT 1"), closeComplete(), ready('I'));

        assertThat(c.received()).containsExactly("C RESET", "S TimeZone=UTC", "S TimeZone=Europe/Paris", "Z I");
    }
}
