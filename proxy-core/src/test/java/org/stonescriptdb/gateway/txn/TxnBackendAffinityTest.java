package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.txn.Txn.one;

/**
 * A client that comes back after thinking (longer than the linger window) gets the backend it used last when that one
 * is idle: its session is still the client's own, so no reset is needed — the reset costs the server about as much as
 * a small transaction, and with many tenants and think time most hand-overs would otherwise pay for one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TxnBackendAffinityTest {

    private static final String DB = "txnaffinity_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    @Test
    void clientsTakingTurnsWithThinkTimeKeepTheirOwnBackendsAndNeedNoReset() throws Exception {
        // One event loop: every backend is on the client's own thread, so the thread is no reason to prefer one.
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(2, 10, 10).withIoThreads(1));
             Connection alice = gw.connect(DB);
             Connection bob = gw.connect(DB)) {
            one(alice, "select 1");
            one(bob, "select 1");
            long resets = gw.proxy().counters().resetsDiscardAll() + gw.proxy().counters().resetsStatements();
            Set<String> alicesBackends = new HashSet<>();
            Set<String> bobsBackends = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                alicesBackends.add(one(alice, "select pg_backend_pid()"));
                Thread.sleep(5); // think time, longer than the linger window (1 ms): the backend goes back to the pool
                bobsBackends.add(one(bob, "select pg_backend_pid()"));
                Thread.sleep(5);
            }
            assertThat(alicesBackends).hasSize(1);
            assertThat(bobsBackends).hasSize(1).doesNotContainAnyElementsOf(alicesBackends);
            assertThat(gw.proxy().counters().resetsDiscardAll() + gw.proxy().counters().resetsStatements())
                    .as("no hand-over to another client, so no reset").isEqualTo(resets);
        }
    }
}
