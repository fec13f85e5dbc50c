package org.stonescriptdb.gateway.pool;

/**
 * The one place where {@code MAX_CONNECTIONS_PER_POOL}, {@code MAX_TOTAL_CONNECTIONS} and {@code MAX_POOLS} are
 * weighed: whether a request for a connection of one pool can be served now, and how. It reads counts and returns a
 * decision; {@link PoolManager} carries it out, both to serve a request and to tell whether a waiter could be served,
 * so the two never disagree.
 */
final class CapacityPolicy {

    /** The configured limits. */
    record Limits(int perPool, int total, int pools) {
    }

    /** A limit that keeps a request waiting. */
    enum Limit { PER_POOL, TOTAL, POOLS }

    /**
     * The counts the policy weighs, for one asking pool. Each is at hand without a look at every pool ({@link PoolTotals}):
     * the policy is asked once per waiting database at each release.
     */
    interface Load {
        /** The asking pool's connections, open or being opened. */
        int size();

        /** The asking pool's idle connections. */
        int idle();

        /** Connections of all pools, open or being opened. */
        int total();

        /** Pools holding at least one connection. */
        int activePools();

        /** Whether another pool holds connections and all of them are idle. */
        boolean idlePoolElsewhere();

        /** Whether another pool has an idle connection. */
        boolean idleConnectionElsewhere();

        /**
         * Whether another pool that holds two connections or more has one idle for {@link #STEAL_IDLE_AFTER} or longer:
         * one its clients are not about to use again, and whose loss leaves them a connection.
         */
        boolean longIdleConnectionElsewhere();
    }

    sealed interface Decision permits Open, ReuseIdle, CloseIdlePool, CloseIdleConnection, Wait {
    }

    /** Room for one more connection without closing anything. */
    record Open() implements Decision {
    }

    /** No room for another connection, but the pool has an idle one. */
    record ReuseIdle() implements Decision {
    }

    /**
     * {@code MAX_POOLS} is in the way: close the least recently used pool whose connections are all idle, then open
     * one. That pool held at least one connection, so closing it also makes room under {@code MAX_TOTAL_CONNECTIONS}.
     */
    record CloseIdlePool() implements Decision {
    }

    /**
     * {@code MAX_TOTAL_CONNECTIONS} is in the way: close the longest-idle connection of another pool, then open one. A pool
     * that has connections of its own does so only for one idle {@link #STEAL_IDLE_AFTER} or longer, of a pool left with
     * one at least; else it waits for its own to come back. With more busy databases than connections, taking a
     * connection another database was about to use again, or its last, made the connections go round the databases, each
     * transaction closing one and opening another (a new server process costs more than a short transaction):
     * throughput fell to a fifth of PgBouncer's in {@code bench/tenants}.
     */
    record CloseIdleConnection() implements Decision {
    }

    /** Nothing can be done now: the request waits for a release. */
    record Wait(Limit limit) implements Decision {
    }

    static final Decision OPEN = new Open();
    static final Decision REUSE_IDLE = new ReuseIdle();
    static final Decision CLOSE_IDLE_POOL = new CloseIdlePool();
    static final Decision CLOSE_IDLE_CONNECTION = new CloseIdleConnection();
    static final Decision WAIT_PER_POOL = new Wait(Limit.PER_POOL);
    static final Decision WAIT_TOTAL = new Wait(Limit.TOTAL);
    static final Decision WAIT_POOLS = new Wait(Limit.POOLS);

    /** How long a connection must have been idle before a pool with connections of its own may take its place. */
    static final java.time.Duration STEAL_IDLE_AFTER = java.time.Duration.ofMillis(100);

    private final Limits limits;

    CapacityPolicy(Limits limits) {
        this.limits = limits;
    }

    /**
     * A new connection while the limits allow one without closing anything (so each event loop's clients come to have
     * backends of their own); else an idle connection of the pool; else room made by closing idle connections of
     * another pool; else a wait.
     */
    Decision decide(Load load) {
        int size = load.size();
        boolean roomInPool = size < limits.perPool();
        boolean roomInTotal = load.total() < limits.total();
        // Only a pool without connections adds to the active pools.
        boolean roomForPool = size > 0 || load.activePools() < limits.pools();
        if (roomInPool && roomInTotal && roomForPool) return OPEN;
        if (load.idle() > 0) return REUSE_IDLE;
        if (!roomInPool) return WAIT_PER_POOL;
        if (!roomForPool) return load.idlePoolElsewhere() ? CLOSE_IDLE_POOL : WAIT_POOLS;
        boolean room = size == 0 ? load.idleConnectionElsewhere() : load.longIdleConnectionElsewhere();
        return room ? CLOSE_IDLE_CONNECTION : WAIT_TOTAL;
    }

    /** Whether {@link #decide} would serve the request now, without a wait. */
    boolean servable(Load load) {
        return !(decide(load) instanceof Wait);
    }
}
