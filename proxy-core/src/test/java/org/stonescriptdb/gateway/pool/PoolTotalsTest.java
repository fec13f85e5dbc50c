package org.stonescriptdb.gateway.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counts across pools that the capacity policy reads without a scan stay equal to what a scan of every pool
 * finds, through any sequence of opening, lending, giving back, closing and sweeping connections.
 */
class PoolTotalsTest {

    private final PoolTotals totals = new PoolTotals();
    private final List<BackendPool> pools = new ArrayList<>();
    /** Per pool, its connections that are counted and not idle (lent out or being opened). */
    private final List<List<BackendConnection>> busy = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void theTotalsMatchAScanAfterEveryChange() {
        for (int i = 0; i < 6; i++) {
            pools.add(new BackendPool(new PoolKey(null, "db_" + i), totals));
            busy.add(new ArrayList<>());
        }
        Random random = new Random(18);
        for (int step = 0; step < 20_000; step++) {
            int i = random.nextInt(pools.size());
            BackendPool pool = pools.get(i);
            List<BackendConnection> lent = busy.get(i);
            switch (random.nextInt(6)) {
                case 0 -> { // a connection is opened for a client
                    pool.countOne();
                    lent.add(connection(pool));
                }
                case 1 -> { // a client gives its connection back
                    if (!lent.isEmpty()) pool.addIdle(lent.remove(random.nextInt(lent.size())));
                }
                case 2 -> { // a client takes an idle one
                    BackendConnection c = pool.takeAnyIdle();
                    if (c != null) lent.add(c);
                }
                case 3 -> { // a lent connection breaks, or an opening fails
                    if (!lent.isEmpty()) {
                        lent.remove(random.nextInt(lent.size()));
                        pool.uncountOne();
                    }
                }
                case 4 -> { // the sweep closes some idle ones
                    pool.takeIdleWhere(c -> random.nextBoolean(), c -> pool.uncountOne());
                }
                default -> { // an idle one closes by itself
                    BackendConnection oldest = pool.longestIdle();
                    if (oldest != null && pool.removeIdle(oldest)) pool.uncountOne();
                }
            }
            assertMatchesScan(step);
        }
    }

    private BackendConnection connection(BackendPool pool) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        return TestBackends.on(channel, pool.database);
    }

    private void assertMatchesScan(int step) {
        int connections = 0, idle = 0, active = 0, idlePools = 0;
        for (BackendPool p : pools) {
            connections += p.size();
            idle += p.idleCount();
            if (p.size() > 0) active++;
            if (p.size() > 0 && p.busy() == 0) idlePools++;
        }
        assertThat(new int[] {totals.connections, totals.idleConnections, totals.activePools, totals.idlePools})
                .as("after step %d", step).containsExactly(connections, idle, active, idlePools);
    }
}
