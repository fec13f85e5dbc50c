package org.stonescriptdb.gateway.pool;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Decision;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Limit;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Limits;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Load;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Wait;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The capacity decision on plain counts: each limit at its edge, what may be closed to make room, and when it waits. */
class CapacityPolicyTest {

    /** Per pool 3, 10 in all, 4 pools. */
    private static final CapacityPolicy POLICY = new CapacityPolicy(new Limits(3, 10, 4));

    /** The asking pool's size and idle count, the total, the active pools, and what other pools hold idle. */
    private record Counts(int size, int idle, int total, int activePools, boolean idlePoolElsewhere,
                          boolean idleConnectionElsewhere, boolean longIdleConnectionElsewhere) implements Load {
    }

    /** Every idle connection elsewhere idle long. */
    private static Decision decide(int size, int idle, int total, int activePools, boolean idlePoolElsewhere,
                                   boolean idleConnectionElsewhere) {
        return decide(size, idle, total, activePools, idlePoolElsewhere, idleConnectionElsewhere, idleConnectionElsewhere);
    }

    private static Decision decide(int size, int idle, int total, int activePools, boolean idlePoolElsewhere,
                                   boolean idleConnectionElsewhere, boolean longIdleConnectionElsewhere) {
        Counts counts = new Counts(size, idle, total, activePools, idlePoolElsewhere, idleConnectionElsewhere, longIdleConnectionElsewhere);
        Decision d = POLICY.decide(counts);
        assertThat(POLICY.servable(counts)).as("servable agrees with decide").isEqualTo(!(d instanceof Wait));
        return d;
    }

    @Test
    void withRoomEverywhereANewConnectionIsOpenedEvenIfTheOneIdleIsOnAnotherLoop() {
        assertThat(decide(0, 0, 0, 0, false, false)).isEqualTo(CapacityPolicy.OPEN);
        assertThat(decide(2, 1, 5, 2, true, true)).as("room is used before an idle connection elsewhere is taken")
                .isEqualTo(CapacityPolicy.OPEN);
    }

    @Test
    void atThePerPoolLimitAnIdleConnectionIsReusedElseTheRequestWaits() {
        assertThat(decide(3, 1, 5, 2, false, false)).isEqualTo(CapacityPolicy.REUSE_IDLE);
        assertThat(decide(3, 0, 5, 2, true, true)).as("another database's idle connections never add to this pool")
                .isEqualTo(new Wait(Limit.PER_POOL));
    }

    @Test
    void atTheTotalLimitAnIdleConnectionOfAnotherDatabaseIsClosedToMakeRoom() {
        assertThat(decide(1, 0, 10, 3, false, true)).isEqualTo(CapacityPolicy.CLOSE_IDLE_CONNECTION);
        assertThat(decide(1, 1, 10, 3, false, true)).as("its own idle connection first").isEqualTo(CapacityPolicy.REUSE_IDLE);
    }

    @Test
    void atTheTotalLimitAPoolWithConnectionsTakesOnlyTheRoomOfOneIdleLong() {
        assertThat(decide(1, 0, 10, 3, false, true, false)).as("another database is about to use its idle connection again: "
                + "this pool waits for one of its own").isEqualTo(new Wait(Limit.TOTAL));
        assertThat(decide(1, 0, 10, 3, false, true, true)).isEqualTo(CapacityPolicy.CLOSE_IDLE_CONNECTION);
        assertThat(decide(0, 0, 10, 3, false, true, false)).as("a pool without connections has none to wait for")
                .isEqualTo(CapacityPolicy.CLOSE_IDLE_CONNECTION);
    }

    @Test
    void atTheTotalLimitWithNothingIdleTheRequestWaits() {
        assertThat(decide(1, 0, 10, 3, false, false)).isEqualTo(new Wait(Limit.TOTAL));
        assertThat(decide(0, 0, 10, 3, false, false)).isEqualTo(new Wait(Limit.TOTAL));
    }

    @Test
    void atMaxPoolsANewPoolClosesAnIdlePoolElseWaits() {
        assertThat(decide(0, 0, 6, 4, true, true)).isEqualTo(CapacityPolicy.CLOSE_IDLE_POOL);
        assertThat(decide(0, 0, 6, 4, false, true)).as("an idle connection of a busy pool does not free a pool")
                .isEqualTo(new Wait(Limit.POOLS));
        assertThat(decide(0, 0, 10, 4, true, true)).as("closing a pool makes room in the total as well")
                .isEqualTo(CapacityPolicy.CLOSE_IDLE_POOL);
    }

    @Test
    void atMaxPoolsAPoolThatHasConnectionsStillGrows() {
        assertThat(decide(1, 0, 6, 4, false, false)).isEqualTo(CapacityPolicy.OPEN);
    }

    /** The looks at other pools cost a scan of every pool: a pool with room never pays for them. */
    @Test
    void thePoolsAreScannedOnlyAtALimit() {
        List<String> asked = new ArrayList<>();
        Load load = new Load() {
            public int size() { return 1; }
            public int idle() { return 0; }
            public int total() { return 5; }
            public int activePools() { asked.add("activePools"); return 4; }
            public boolean idlePoolElsewhere() { asked.add("idlePoolElsewhere"); return false; }
            public boolean idleConnectionElsewhere() { asked.add("idleConnectionElsewhere"); return false; }
            public boolean longIdleConnectionElsewhere() { asked.add("longIdleConnectionElsewhere"); return false; }
        };
        assertThat(POLICY.decide(load)).isEqualTo(CapacityPolicy.OPEN);
        assertThat(asked).isEmpty();
    }

    /**
     * Acquires and releases at random over six databases, carrying out every decision on a model of the pools: no
     * limit is ever exceeded, and a request waits only when nothing could have served it.
     */
    @Test
    void repeatedAcquireAndReleaseNeverExceedALimitAndWaitOnlyWhenNothingCouldServe() {
        Limits limits = new Limits(3, 8, 4);
        CapacityPolicy policy = new CapacityPolicy(limits);
        int databases = 6;
        int[] size = new int[databases];
        int[] idle = new int[databases];
        Random random = new Random(15);
        int opened = 0, reused = 0, closedPools = 0, closedConnections = 0, waited = 0;
        for (int step = 0; step < 20_000; step++) {
            int db = random.nextInt(databases);
            if (random.nextBoolean() && size[db] > idle[db]) {
                idle[db]++; // a release
                continue;
            }
            Model model = new Model(size, idle, db);
            switch (policy.decide(model)) {
                case CapacityPolicy.Open o -> {
                    size[db]++;
                    opened++;
                }
                case CapacityPolicy.ReuseIdle r -> {
                    idle[db]--;
                    reused++;
                }
                case CapacityPolicy.CloseIdlePool c -> {
                    int victim = model.anyIdlePoolElsewhere();
                    size[victim] = idle[victim] = 0;
                    size[db]++;
                    closedPools++;
                }
                case CapacityPolicy.CloseIdleConnection c -> {
                    int victim = model.anyIdleConnectionElsewhere();
                    size[victim]--;
                    idle[victim]--;
                    size[db]++;
                    closedConnections++;
                }
                case Wait w -> {
                    waited++;
                    boolean roomInPool = size[db] < limits.perPool();
                    assertThat(idle[db]).isZero();
                    switch (w.limit()) {
                        case PER_POOL -> assertThat(roomInPool).isFalse();
                        case POOLS -> assertThat(model.activePools() >= limits.pools() && model.anyIdlePoolElsewhere() < 0).isTrue();
                        case TOTAL -> assertThat(model.total() >= limits.total() && model.anyIdleConnectionElsewhere() < 0).isTrue();
                    }
                }
            }
            Model after = new Model(size, idle, db);
            assertThat(after.total()).isLessThanOrEqualTo(limits.total());
            assertThat(after.activePools()).isLessThanOrEqualTo(limits.pools());
            for (int d = 0; d < databases; d++) {
                assertThat(size[d]).isBetween(0, limits.perPool());
                assertThat(idle[d]).isBetween(0, size[d]);
            }
        }
        assertThat(List.of(opened, reused, closedPools, closedConnections, waited)).as("every decision was made")
                .allSatisfy(n -> assertThat(n).isPositive());
    }

    /** The pools of the random walk above, as the policy reads them for database {@code db}. */
    private record Model(int[] sizes, int[] idles, int db) implements Load {
        public int size() {
            return sizes[db];
        }

        public int idle() {
            return idles[db];
        }

        public int total() {
            int n = 0;
            for (int s : sizes) n += s;
            return n;
        }

        public int activePools() {
            int n = 0;
            for (int s : sizes) if (s > 0) n++;
            return n;
        }

        public boolean idlePoolElsewhere() {
            return anyIdlePoolElsewhere() >= 0;
        }

        public boolean idleConnectionElsewhere() {
            return anyIdleConnectionElsewhere() >= 0;
        }

        /** The walk has no clock: every idle connection counts as idle long. */
        public boolean longIdleConnectionElsewhere() {
            return idleConnectionElsewhere();
        }

        int anyIdlePoolElsewhere() {
            for (int d = 0; d < sizes.length; d++) if (d != db && sizes[d] > 0 && idles[d] == sizes[d]) return d;
            return -1;
        }

        int anyIdleConnectionElsewhere() {
            for (int d = 0; d < sizes.length; d++) if (d != db && idles[d] > 0) return d;
            return -1;
        }
    }
}
