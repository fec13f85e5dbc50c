package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.Linger;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testing.WireSession;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.testing.WireSession.bind;
import static org.stonescriptdb.gateway.testing.WireSession.close;
import static org.stonescriptdb.gateway.testing.WireSession.describe;
import static org.stonescriptdb.gateway.testing.WireSession.execute;
import static org.stonescriptdb.gateway.testing.WireSession.firstColumn;
import static org.stonescriptdb.gateway.testing.WireSession.flush;
import static org.stonescriptdb.gateway.testing.WireSession.parse;
import static org.stonescriptdb.gateway.testing.WireSession.status;
import static org.stonescriptdb.gateway.testing.WireSession.sync;
import static org.stonescriptdb.gateway.testing.WireSession.types;

/** Protocol sequences no common client produces, sent byte for byte through the gateway in transaction mode. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TxnWireProtocolTest {

    private static final String DB = "txnwire_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB, "create table if not exists items (id int, note text)");
    }

    private static Message last(List<Message> messages) {
        return messages.get(messages.size() - 1);
    }

    private static List<Message> readReadies(WireSession s, int count) throws Exception {
        List<Message> all = new ArrayList<>();
        for (int i = 0; i < count; i++) all.addAll(s.readUntilReady());
        return all;
    }

    /** A client that sits in a transaction on the only backend until told to commit. */
    private static WireSession holdTheBackend(GatewayHarness gw) throws Exception {
        WireSession holder = WireSession.login(gw.port(), DB);
        assertThat(status(last(holder.query("begin; select 1")))).isEqualTo('T');
        return holder;
    }

    @Test
    void pipelinedSyncsWithAnErrorInTheMiddleKeepTheBackendUntilTheLastReadyForQuery() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1)) {
            // Log in first: a login needs a backend for a moment.
            try (WireSession a = WireSession.login(gw.port(), DB); WireSession b = WireSession.login(gw.port(), DB)) {
                WireSession holder = holdTheBackend(gw);
                // a's three batches queue behind the holder; b queues behind a.
                a.send(parse("", "select 1"), bind("", ""), execute("", 0), sync(),
                        parse("", "select 1/(g - g) from generate_series(1, 1) g"), bind("", ""), execute("", 0), sync(),
                        parse("", "select pg_sleep(0.2)::text || 'a-third'"), bind("", ""), execute("", 0), sync());
                Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() == 1, "a in the queue");
                b.send(WireClient.query("select 'b-query'"));
                Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() == 2, "b in the queue behind a");
                holder.query("commit");

                List<Message> first = a.readUntilReady();
                assertThat(types(first)).isEqualTo("12DCZ");
                assertThat(firstColumn(first)).containsExactly("1");
                List<Message> second = a.readUntilReady();
                assertThat(types(second)).isEqualTo("12EZ");
                assertThat(second.get(2).sqlState()).isEqualTo("22012");
                assertThat(status(last(second))).isEqualTo('I');
                List<Message> third = a.readUntilReady();
                assertThat(types(third)).isEqualTo("12DCZ");
                assertThat(firstColumn(third)).containsExactly("a-third");

                List<Message> fromB = b.readUntilReady();
                assertThat(types(fromB)).isEqualTo("TDCZ");
                assertThat(firstColumn(fromB)).containsExactly("b-query");
                // Both sessions go on normally.
                assertThat(firstColumn(a.query("select 'a-after'"))).containsExactly("a-after");
                assertThat(firstColumn(b.query("select 'b-after'"))).containsExactly("b-after");
                holder.close();
            }
        }
    }

    @Test
    void parseDescribeFlushWithoutSyncKeepsTheBackendLinked() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1);
             WireSession a = WireSession.login(gw.port(), DB);
             WireSession b = WireSession.login(gw.port(), DB)) {
            a.send(parse("flushed", "select $1::int + 1 as next", 23), describe('S', "flushed"), flush());
            assertThat(types(List.of(a.read(), a.read(), a.read()))).isEqualTo("1tT");
            CompletableFuture<List<Message>> fromB = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.query("select pg_backend_pid()");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(700); // nothing to wait for: b must still be waiting after a while
            assertThat(fromB).as("b waits while a's unsynced batch holds the only backend").isNotDone();
            a.send(bind("", "flushed", "41"), execute("", 0), sync());
            List<Message> rest = a.readUntilReady();
            assertThat(types(rest)).isEqualTo("2DCZ");
            assertThat(firstColumn(rest)).containsExactly("42");
            assertThat(types(fromB.get(10, TimeUnit.SECONDS))).isEqualTo("TDCZ");
        }
    }

    @Test
    void simpleQueryAndExtendedMessagesInOneWrite() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(WireClient.query("select 'simple'"), parse("", "select 'extended'"), bind("", ""), execute("", 0), sync(),
                    WireClient.query("select 'simple again'"));
            List<Message> all = readReadies(a, 3);
            assertThat(types(all)).isEqualTo("TDCZ" + "12DCZ" + "TDCZ");
            assertThat(firstColumn(all)).containsExactly("simple", "extended", "simple again");
        }
    }

    @Test
    void closeOfANamedStatementIsAnsweredWithoutABackendAndTheNameCanBeReused() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("s1", "select 'first'"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1Z");
            WireSession holder = holdTheBackend(gw);
            try {
                // The only backend is in the holder's transaction: only the gateway can answer this.
                a.send(close('S', "s1"), sync());
                List<Message> closed = a.readUntilReady();
                assertThat(types(closed)).isEqualTo("3Z");
            } finally {
                holder.query("commit");
                holder.close();
            }
            a.send(bind("", "s1"), execute("", 0), sync());
            List<Message> gone = a.readUntilReady();
            assertThat(types(gone)).isEqualTo("EZ");
            assertThat(gone.get(0).sqlState()).isEqualTo("26000");
            a.send(parse("s1", "select 'second'"), bind("", "s1"), execute("", 0), sync());
            List<Message> reused = a.readUntilReady();
            assertThat(types(reused)).isEqualTo("12DCZ");
            assertThat(firstColumn(reused)).containsExactly("second");
        }
    }

    @Test
    void describeOfANamedStatementOnABackendThatNeverSawIt() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("meta", "select $1::int4 as a, $2::text as b", 23, 25), bind("", ""), sync());
            a.send(parse("", "select pg_backend_pid()"), bind("", ""), execute("", 0), sync());
            List<Message> prepared = readReadies(a, 2);
            String preparedOn = firstColumn(prepared).get(0);
            // The holder takes that backend (the most recently released), so a must use the other one.
            try (Connection holder = gw.connect(DB)) {
                holder.setAutoCommit(false);
                String held = String.valueOf(Txn.pid(holder));
                a.send(describe('S', "meta"), parse("", "select pg_backend_pid()"), bind("", ""), execute("", 0), sync());
                List<Message> described = a.readUntilReady();
                assertThat(types(described)).isEqualTo("tT12DCZ");
                assertThat(WireSession.parameterTypes(described.get(0))).containsExactly(23, 25);
                assertThat(WireSession.columnNames(described.get(1))).containsExactly("a", "b");
                String describedOn = firstColumn(described).get(0);
                assertThat(describedOn).isNotEqualTo(held);
                if (held.equals(preparedOn)) assertThat(describedOn).as("a new backend").isNotEqualTo(preparedOn);
                a.send(bind("", "meta", "7", "seven"), execute("", 0), sync());
                assertThat(firstColumn(a.readUntilReady())).containsExactly("7");
                holder.commit();
            }
        }
    }

    @Test
    void aResultTypeChangeIsReportedAtMostOnceToARawClient() throws Exception {
        TestPostgres.execute(DB, "drop table if exists shape", "create table shape (a int, b text)", "insert into shape values (1, 'x')");
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("star", "select * from shape"), describe('S', "star"), bind("", "star"), execute("", 0), sync());
            List<Message> before = a.readUntilReady();
            assertThat(types(before)).isEqualTo("1tT2DCZ");
            assertThat(WireSession.columnNames(before.get(2))).containsExactly("a", "b");
            TestPostgres.execute(DB, "alter table shape add column c int default 7");
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                a.send(bind("", "star"), describe('P', ""), execute("", 0), sync());
                List<Message> r = a.readUntilReady();
                outcomes.add(types(r).startsWith("E") ? "error " + r.get(0).fields().get('M')
                        : types(r) + " " + WireSession.columnNames(r.get(1)));
            }
            assertThat(outcomes.subList(1, 3)).containsOnly("2TDCZ [a, b, c]");
            assertThat(outcomes.get(0)).isIn("error cached plan must not change result type", "2TDCZ [a, b, c]");
        }
    }

    /**
     * "cached plan must not change result type" for the unnamed statement (DDL between its Parse and Bind, run from a
     * portal in the same batch and rolled back with it) is not about the named statement the client bound before:
     * another client holding the same statement is not told it changed.
     */
    @Test
    void aResultTypeChangeOfTheUnnamedStatementLeavesTheNamedOnesAlone() throws Exception {
        TestPostgres.execute(DB, "drop table if exists unnamed_shape", "create table unnamed_shape (a int)",
                "insert into unnamed_shape values (1)");
        try (GatewayHarness gw = Txn.gateway(1);
             WireSession a = WireSession.login(gw.port(), DB);
             WireSession b = WireSession.login(gw.port(), DB)) {
            a.send(parse("star", "select * from unnamed_shape"), bind("", "star"), execute("", 0), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("12DCZ");
            b.send(parse("mine", "select * from unnamed_shape"), bind("", "mine"), execute("", 0), sync());
            assertThat(types(b.readUntilReady())).isEqualTo("12DCZ");

            a.send(parse("", "alter table unnamed_shape add column c int"), bind("ddl", ""),
                    parse("", "select * from unnamed_shape"), execute("ddl", 0), bind("", ""), execute("", 0), sync());
            List<Message> changed = a.readUntilReady();
            assertThat(types(changed)).isEqualTo("121CEZ");
            assertThat(changed.get(4).sqlState()).isEqualTo("0A000");

            b.send(bind("", "mine"), execute("", 0), sync());
            List<Message> again = b.readUntilReady();
            assertThat(types(again)).as("b's statement did not change: %s", again).isEqualTo("2DCZ");
            assertThat(firstColumn(again)).containsExactly("1");
            a.send(bind("", "star"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("1");
        }
    }

    /**
     * A Describe of a prepared statement whose result type changed gets the server's 0A000 once: the statement is
     * prepared again before the next Describe, which shows the new columns (no loop of the same error).
     */
    @Test
    void aResultTypeChangeFoundByADescribeIsReportedOnce() throws Exception {
        TestPostgres.execute(DB, "drop table if exists described_shape", "create table described_shape (a int)");
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("desc", "select * from described_shape"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1Z");
            TestPostgres.execute(DB, "alter table described_shape add column b text");
            a.send(describe('S', "desc"), sync());
            List<Message> changed = a.readUntilReady();
            assertThat(types(changed)).isEqualTo("tEZ");
            assertThat(changed.get(1).sqlState()).isEqualTo("0A000");
            a.send(describe('S', "desc"), sync());
            List<Message> again = a.readUntilReady();
            assertThat(types(again)).as(again.toString()).isEqualTo("tTZ");
            assertThat(WireSession.columnNames(again.get(1))).containsExactly("a", "b");
        }
    }

    @Test
    void simpleQueryDeallocateAllThenTheSameNamesWork() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("d1", "select 'd1'"), parse("d2", "select 'd2'"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("11Z");
            List<Message> dealloc = a.query("deallocate all");
            assertThat(types(dealloc)).isEqualTo("CZ");
            a.send(bind("", "d1"), execute("", 0), sync());
            assertThat(a.readUntilReady().get(0).sqlState()).isEqualTo("26000");
            a.send(parse("d1", "select 'd1 again'"), bind("", "d1"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("d1 again");
            List<Message> one = a.query("deallocate d1");
            assertThat(types(one)).isEqualTo("CZ");
            List<Message> missing = a.query("deallocate d1");
            assertThat(types(missing)).isEqualTo("EZ");
            assertThat(missing.get(0).sqlState()).isEqualTo("26000");
        }
    }

    /**
     * DEALLOCATE in an aborted transaction — by name, ALL, and with the extended protocol — is refused with 25P02 as on
     * the server, and the statement is still there after the ROLLBACK.
     */
    @Test
    void deallocateInAnAbortedTransactionIsRefusedAndTheStatementStays() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("kept", "select 'kept'"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1Z");
            assertThat(types(a.query("begin"))).isEqualTo("CZ");
            assertThat(a.query("select 1/0").get(0).sqlState()).isEqualTo("22012");

            for (String sql : List.of("deallocate kept", "deallocate all")) {
                List<Message> refused = a.query(sql);
                assertThat(types(refused)).as(sql).isEqualTo("EZ");
                assertThat(refused.get(0).sqlState()).as(sql).isEqualTo("25P02");
                assertThat(status(last(refused))).isEqualTo('E');
            }
            a.send(parse("", "deallocate kept"), bind("", ""), execute("", 0), sync());
            List<Message> extended = a.readUntilReady();
            assertThat(types(extended)).isEqualTo("EZ");
            assertThat(extended.get(0).sqlState()).isEqualTo("25P02");

            assertThat(status(last(a.query("rollback")))).isEqualTo('I');
            a.send(bind("", "kept"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("kept");
        }
    }

    /**
     * DISCARD ALL refused inside a transaction block (25001) leaves the client's statements, as on the server; one that
     * runs drops them.
     */
    @Test
    void aDiscardAllRefusedInATransactionBlockLeavesTheStatements() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("kept", "select 'kept'"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1Z");
            assertThat(types(a.query("begin"))).isEqualTo("CZ");
            List<Message> refused = a.query("discard all");
            assertThat(types(refused)).isEqualTo("EZ");
            assertThat(refused.get(0).sqlState()).isEqualTo("25001");
            assertThat(status(last(a.query("rollback")))).isEqualTo('I');

            a.send(bind("", "kept"), execute("", 0), sync());
            List<Message> still = a.readUntilReady();
            assertThat(types(still)).as(still.toString()).isEqualTo("2DCZ");
            assertThat(firstColumn(still)).containsExactly("kept");

            assertThat(types(a.query("discard all"))).isEqualTo("CZ");
            a.send(bind("", "kept"), execute("", 0), sync());
            assertThat(a.readUntilReady().get(0).sqlState()).isEqualTo("26000");
        }
    }

    @Test
    void copyFromStdinWithCopyFailRollsBackAndReleasesTheBackend() throws Exception {
        TestPostgres.execute(DB, "delete from items where note = 'copy-fail'");
        try (GatewayHarness gw = Txn.gateway(1);
             WireSession a = WireSession.login(gw.port(), DB);
             WireSession b = WireSession.login(gw.port(), DB)) {
            a.send(WireClient.query("copy items from stdin"));
            assertThat(a.read().type()).isEqualTo('G');
            a.send(WireSession.copyData("1\tcopy-fail\n"), WireSession.copyData("2\tcopy-fail\n"), WireSession.copyFail("client gave up"));
            List<Message> failed = a.readUntilReady();
            assertThat(types(failed)).isEqualTo("EZ");
            assertThat(failed.get(0).sqlState()).isEqualTo("57014");
            assertThat(failed.get(0).fields().get('M')).contains("client gave up");
            assertThat(status(last(failed))).isEqualTo('I');
            // The only backend is free again for someone else, and nothing was inserted.
            assertThat(firstColumn(b.query("select count(*) from items where note = 'copy-fail'"))).containsExactly("0");
            // A COPY that succeeds, in the same session.
            a.send(WireClient.query("copy items from stdin"));
            assertThat(a.read().type()).isEqualTo('G');
            a.send(WireSession.copyData("3\tcopy-ok\n4\tcopy-ok\n"), WireSession.copyDone());
            List<Message> done = a.readUntilReady();
            assertThat(types(done)).isEqualTo("CZ");
            assertThat(firstColumn(b.query("select count(*) from items where note = 'copy-ok'"))).containsExactly("2");
        } finally {
            TestPostgres.execute(DB, "delete from items where note in ('copy-fail', 'copy-ok')");
        }
    }

    /**
     * COPY FROM STDIN with the extended protocol, as libpq's PQexecParams sends it (Parse/Bind/Execute/Sync, then the
     * data, CopyDone and another Sync); whole in one write; and with the first Sync sent after the CopyInResponse. The
     * server answers both Syncs with one ReadyForQuery, and so does the gateway: the only backend is free for another
     * client at once, and the client's next batch is answered in order.
     */
    @Test
    void copyFromStdinWithTheExtendedProtocolGetsOneReadyForQueryAndReleasesTheBackend() throws Exception {
        TestPostgres.execute(DB, "delete from items where note like 'xcopy-%'");
        try (GatewayHarness gw = Txn.gateway(1);
             WireSession a = WireSession.login(gw.port(), DB);
             WireSession b = WireSession.login(gw.port(), DB)) {
            a.send(parse("known", "select 'known'"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1Z");

            a.send(parse("", "copy items from stdin"), bind("", ""), execute("", 0), sync());
            assertThat(types(List.of(a.read(), a.read(), a.read()))).isEqualTo("12G");
            a.send(WireSession.copyData("1\txcopy-a\n"), WireSession.copyDone(), sync());
            List<Message> done = a.readUntilReady();
            assertThat(types(done)).isEqualTo("CZ");
            assertThat(status(last(done))).isEqualTo('I');
            assertThat(firstColumn(b.query("select count(*) from items where note like 'xcopy-%'")))
                    .as("the backend is free for b").containsExactly("1");

            a.send(parse("", "copy items from stdin"), bind("", ""), execute("", 0), sync(),
                    WireSession.copyData("2\txcopy-b\n"), WireSession.copyDone(), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("12GCZ");

            a.send(parse("", "copy items from stdin"), bind("", ""), execute("", 0), flush());
            assertThat(types(List.of(a.read(), a.read(), a.read()))).isEqualTo("12G");
            a.send(sync(), WireSession.copyData("3\txcopy-c\n"), WireSession.copyDone(), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("CZ");

            // The backend has this statement: the gateway's own ParseComplete comes before the batch's ReadyForQuery.
            a.send(parse("known again", "select 'known'"), bind("", "known again"), execute("", 0), sync());
            List<Message> next = a.readUntilReady();
            assertThat(types(next)).isEqualTo("12DCZ");
            assertThat(firstColumn(next)).containsExactly("known");
            assertThat(firstColumn(b.query("select count(*) from items where note like 'xcopy-%'"))).containsExactly("3");
        } finally {
            TestPostgres.execute(DB, "delete from items where note like 'xcopy-%'");
        }
    }

    /** The same ended with CopyFail: the error, one ReadyForQuery, nothing inserted, and the backend free again. */
    @Test
    void copyFromStdinWithTheExtendedProtocolEndedWithCopyFailGetsOneReadyForQuery() throws Exception {
        TestPostgres.execute(DB, "delete from items where note = 'xcopy-fail'");
        try (GatewayHarness gw = Txn.gateway(1);
             WireSession a = WireSession.login(gw.port(), DB);
             WireSession b = WireSession.login(gw.port(), DB)) {
            a.send(parse("", "copy items from stdin"), bind("", ""), execute("", 0), sync());
            assertThat(types(List.of(a.read(), a.read(), a.read()))).isEqualTo("12G");
            a.send(WireSession.copyData("1\txcopy-fail\n"), WireSession.copyFail("client gave up"), sync());
            List<Message> failed = a.readUntilReady();
            assertThat(types(failed)).isEqualTo("EZ");
            assertThat(failed.get(0).sqlState()).isEqualTo("57014");
            assertThat(status(last(failed))).isEqualTo('I');
            assertThat(firstColumn(b.query("select count(*) from items where note = 'xcopy-fail'"))).containsExactly("0");
            assertThat(firstColumn(a.query("select 'a after'"))).containsExactly("a after");
        }
    }

    @Test
    void copyToStdoutOfALargeTableArrivesWhole() throws Exception {
        TestPostgres.execute(DB, "drop table if exists big",
                "create table big as select g as id, md5(g::text) as h from generate_series(1, 60000) g");
        String expected = Txn.direct(DB, "select sum(length(id::text || E'\\t' || h || E'\\n')) from big");
        try (GatewayHarness gw = Txn.gateway(1);
             Connection a = gw.connect(DB);
             Connection b = gw.connect(DB)) {
            org.postgresql.copy.CopyManager copy = a.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return Txn.one(b, "select 'b after copy'");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long rows = copy.copyOut("copy big to stdout", out);
            assertThat(rows).isEqualTo(60000);
            assertThat(String.valueOf(out.size())).isEqualTo(expected);
            String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(text).startsWith("1\t" + md5("1") + "\n").endsWith("60000\t" + md5("60000") + "\n");
            assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo("b after copy");
            assertThat(Txn.one(a, "select 'a after copy'")).isEqualTo("a after copy");
        }
    }

    private static String md5(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void copyMixedWithPreparedStatementsAcrossBackends() throws Exception {
        TestPostgres.execute(DB, "delete from items where note like 'mix-%'");
        try (GatewayHarness gw = Txn.gateway(2);
             WireSession a = WireSession.login(gw.port(), DB);
             Connection other = gw.connect(DB)) {
            a.send(parse("ins", "insert into items values ($1, $2)", 23, 25), parse("cnt", "select count(*) from items where note like $1", 25), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("11Z");
            for (int round = 0; round < 3; round++) {
                // Another client holds a backend on odd rounds, so a changes backend between rounds.
                if (round % 2 == 1) {
                    other.setAutoCommit(false);
                    Txn.pid(other);
                }
                a.send(bind("", "ins", String.valueOf(round), "mix-prepared"), execute("", 0), sync(),
                        WireClient.query("copy items from stdin"));
                assertThat(types(a.readUntilReady())).isEqualTo("2CZ");
                assertThat(a.read().type()).isEqualTo('G');
                a.send(WireSession.copyData(round + "\tmix-copy\n"), WireSession.copyDone(),
                        bind("", "cnt", "mix-%"), execute("", 0), sync());
                assertThat(types(a.readUntilReady())).isEqualTo("CZ");
                List<Message> counted = a.readUntilReady();
                assertThat(types(counted)).isEqualTo("2DCZ");
                assertThat(firstColumn(counted)).containsExactly(String.valueOf(2 * (round + 1)));
                if (round % 2 == 1) other.commit();
            }
            // COPY inside a transaction block, between Binds of a prepared statement.
            assertThat(status(last(a.query("begin")))).isEqualTo('T');
            a.send(bind("", "ins", "10", "mix-txn"), execute("", 0), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("2CZ");
            a.send(WireClient.query("copy items to stdout"));
            List<Message> out = a.readUntilReady();
            assertThat(types(out).charAt(0)).isEqualTo('H');
            assertThat(types(out)).endsWith("cCZ");
            assertThat(status(last(a.query("rollback")))).isEqualTo('I');
            assertThat(Txn.direct(DB, "select count(*) from items where note like 'mix-%'")).isEqualTo("6");
        } finally {
            TestPostgres.execute(DB, "delete from items where note like 'mix-%'");
        }
    }

    /**
     * One client keeps its backend throughout (five transactions, each well within a linger window made long for the
     * test), so the bound must hold without a hand-over: the least recently used are closed as new ones are prepared.
     */
    @Test
    void theStatementsPreparedOnOneBackendAreBoundedAndEvictedOnesComeBack() throws Exception {
        int statements = 530;
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION)
                .withPoolLimits(1, 200, 50).withLinger(new Linger(Duration.ofSeconds(30), 1000)));
             WireSession a = WireSession.login(gw.port(), DB)) {
            for (int from = 0; from < statements; from += 106) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = from; i < from + 106; i++) {
                    batch.add(parse("many" + i, "select " + i + " as n"));
                    batch.add(bind("", "many" + i));
                    batch.add(execute("", 0));
                }
                batch.add(sync());
                a.send(batch.toArray(byte[][]::new));
                assertThat(firstColumn(a.readUntilReady())).hasSize(106);
            }
            String count = firstColumn(a.query("select count(*) from pg_prepared_statements")).get(0);
            assertThat(Integer.parseInt(count)).as("statements prepared on the backend").isBetween(400, 512);
            a.send(bind("", "many0"), execute("", 0), bind("", "many" + (statements - 1)), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("0", String.valueOf(statements - 1));
        }
    }

    @Test
    void parseOfAnExistingStatementNameFailsAsOnTheServer() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("dup", "select 'first'"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1Z");
            a.send(parse("dup", "select 'second'"), sync());
            List<Message> again = a.readUntilReady();
            assertThat(types(again)).isEqualTo("EZ");
            assertThat(again.get(0).sqlState()).isEqualTo("42P05");
            a.send(bind("", "dup"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("first");
        }
    }

    /**
     * libpq's PQprepare with a mistake, then again with the mistake fixed, under the same name: the server never
     * created the first, so the name is free, and the gateway must not keep it.
     */
    @Test
    void aNamedParseTheServerRejectedLeavesTheNameFree() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("fixme", "select from where"), sync());
            List<Message> refused = a.readUntilReady();
            assertThat(types(refused)).as(refused.toString()).isEqualTo("EZ");
            assertThat(refused.get(0).sqlState()).isEqualTo("42601");
            a.send(parse("fixme", "select 'fixed'"), bind("", "fixme"), execute("", 0), sync());
            List<Message> fixed = a.readUntilReady();
            assertThat(types(fixed)).as(fixed.toString()).isEqualTo("12DCZ");
            assertThat(firstColumn(fixed)).containsExactly("fixed");
            // In one batch too: the failed Parse, the rest skipped to the Sync, then the name used again.
            a.send(parse("again", "select nonsense from"), bind("", "again"), execute("", 0), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("EZ");
            a.send(parse("again", "select 'again'"), bind("", "again"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("again");
            // A Parse before the error was made; one after it was skipped by the server and made nothing.
            a.send(parse("before", "select 'before'"), parse("broken", "select from where"), parse("skipped", "select 2"), sync());
            assertThat(types(a.readUntilReady())).isEqualTo("1EZ");
            a.send(parse("skipped", "select 'skipped'"), bind("", "skipped"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("skipped");
            a.send(parse("before", "select 'twice'"), sync());
            assertThat(a.readUntilReady().get(0).sqlState()).isEqualTo("42P05");
        }
    }

    /** As the server: a refused DEALLOCATE inside a transaction aborts it (status E) until the client rolls back. */
    @Test
    void deallocateOfAGatewayNameInATransactionAbortsItAsOnTheServer() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("held", "select 'held'"), bind("", "held"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("held");
            assertThat(types(a.query("begin"))).isEqualTo("CZ");
            List<Message> refused = a.query("deallocate _ssg_1");
            assertThat(types(refused)).as(refused.toString()).isEqualTo("EZ");
            assertThat(refused.get(0).sqlState()).isEqualTo("26000");
            assertThat(refused.get(0).fields().get('M')).isEqualTo("prepared statement \"_ssg_1\" does not exist");
            assertThat(status(refused.getLast())).isEqualTo('E');
            List<Message> after = a.query("select 1");
            assertThat(after.get(0).sqlState()).isEqualTo("25P02");
            assertThat(status(after.getLast())).isEqualTo('E');
            List<Message> rolledBack = a.query("rollback");
            assertThat(types(rolledBack)).isEqualTo("CZ");
            assertThat(status(rolledBack.getLast())).isEqualTo('I');
            a.send(bind("", "held"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).as("the client's statement is untouched").containsExactly("held");
        }
    }

    @Test
    void aPinnedClientsDeallocateAllThenTheSameStatementAgain() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            assertThat(types(a.query("create temp table pinned_here (v int)"))).isEqualTo("CZ");
            a.send(parse("p1", "select 'p1'"), bind("", "p1"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("p1");
            assertThat(types(a.query("deallocate all"))).isEqualTo("CZ");
            a.send(parse("p1", "select 'p1'"), bind("", "p1"), execute("", 0), sync());
            List<Message> again = a.readUntilReady();
            assertThat(types(again)).as(again.toString()).isEqualTo("12DCZ");
            assertThat(firstColumn(again)).containsExactly("p1");
        }
    }

    @Test
    void deallocateOfOneStatementWithTheExtendedProtocol() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); WireSession a = WireSession.login(gw.port(), DB)) {
            a.send(parse("gone", "select 'gone'"), bind("", "gone"), execute("", 0), sync());
            assertThat(firstColumn(a.readUntilReady())).containsExactly("gone");
            // psycopg evicts statements from its cache like this (send_query_params: unnamed Parse).
            a.send(parse("", "DEALLOCATE gone"), bind("", ""), execute("", 0), sync());
            List<Message> dealloc = a.readUntilReady();
            assertThat(types(dealloc)).as(dealloc.toString()).isEqualTo("12CZ");
            a.send(bind("", "gone"), execute("", 0), sync());
            assertThat(a.readUntilReady().get(0).sqlState()).isEqualTo("26000");
        }
    }

    /**
     * A client that pipelines far more than the gateway queues while it waits for a backend (256 KB; past that it
     * stops reading the socket until a backend takes the queue): every query is answered, in order, once the only
     * backend is free — nothing lost at the pause or the resume.
     */
    @Test
    void aPipelineLargerThanTheWaitingQueueIsAnsweredInOrderOnceABackendIsFree() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1)) {
            try (WireSession a = WireSession.login(gw.port(), DB)) {
                WireSession holder = holdTheBackend(gw);
                int count = 3000;
                String padding = "x".repeat(8000);
                byte[][] queries = new byte[count][];
                for (int i = 0; i < count; i++) {
                    queries[i] = WireClient.query("select '" + i + "' as n where length('" + padding + "') = 8000");
                }
                // 24 MB, more than the socket buffers hold: sent from another thread, since the gateway stops reading
                // part-way and the send then blocks until a backend takes what is queued.
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        a.send(queries);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                Thread.sleep(500); // nothing to wait for: the send must still be blocked after a while
                assertThat(sending.isDone()).as("the gateway stopped reading the client while it waits").isFalse();
                holder.query("commit");
                for (int i = 0; i < count; i++) {
                    List<Message> answer = a.readUntilReady();
                    assertThat(firstColumn(answer)).as("answer %d", i).containsExactly(String.valueOf(i));
                }
                sending.get(20, TimeUnit.SECONDS);
                holder.close();
            }
        }
    }
}
