package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/**
 * Opt-in stress test for the session's count of outstanding Syncs across event loops (a race, fixed; seen in about one
 * round in twenty before the fix): {@code mvn -pl proxy-core test -Dtest=ProxySyncCountingStressTest -Dgateway.stress=true}.
 */
@EnabledIfSystemProperty(named = "gateway.stress", matches = "true")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxySyncCountingStressTest {

    /**
     * (Fixed in 3f94d28, kept as an opt-in stress test: too slow and too probabilistic for the default run.)
     * The session's count of outstanding Syncs is a volatile int bumped with {@code ++} on the client's event
     * loop and {@code --} on the backend connection's event loop, which differ whenever an idle connection of
     * another loop is reused. Concurrent read-modify-writes lose updates: a lost decrement leaves the session
     * "busy" forever (its clean backend is discarded instead of reused, shutdown waits out its whole grace); a lost
     * increment makes a running query look idle (a CancelRequest is dropped; a disconnect sends DISCARD ALL
     * behind a running query and pools the connection while that reply is still coming).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pipelinedSyncsKeepTheSessionsBookkeepingExact() throws Exception {
        // Probabilistic: a ++ and a -- must collide. Failed once (round 2 of 6) on 80bffa1; passed 28 rounds on 72e209a.
        String db = "bug_pipeline";
        TestPostgres.createDatabase(db);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.SESSION).withPoolLimits(1, 200, 50))) {
            String pid;
            try (Connection c = gw.connect(db)) {
                pid = rows(c, "select pg_backend_pid()").get(0);
            }
            // With one backend connection, consecutive clients on alternating event loops reach it cross-loop.
            for (int round = 0; round < 20; round++) {
                pipelineSyncs(gw.port(), db, 15_000, pool);
                try (Connection c = gw.connect(db)) {
                    assertThat(rows(c, "select pg_backend_pid()"))
                            .as("round " + round + ": the idle, clean backend is given back, not discarded").containsExactly(pid);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Void pipelineSyncs(int port, String db, int syncs, java.util.concurrent.ExecutorService pool) throws Exception {
        try (WireClient w = new WireClient(port)) {
            w.send(WireClient.startupPacket(WireClient.PROTOCOL_3_0, java.util.Map.of("user", "app", "database", db)));
            w.readUntil('Z');
            byte[] sync = WireClient.typed('S', new byte[0]);
            byte[] chunk = new byte[sync.length * 50];
            for (int i = 0; i < 50; i++) System.arraycopy(sync, 0, chunk, i * sync.length, sync.length);
            java.util.concurrent.Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < syncs / 50; i++) w.send(chunk);
                return null;
            });
            for (int i = 0; i < syncs; i++) {
                WireClient.Message m = w.read();
                if (m.type() != 'Z') throw new AssertionError("expected ReadyForQuery, got " + m);
            }
            writer.get(10, TimeUnit.SECONDS);
            w.send(WireClient.terminate());
            w.closedByPeer();
        }
        return null;
    }
}
