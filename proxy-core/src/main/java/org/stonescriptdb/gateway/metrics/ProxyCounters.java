package org.stonescriptdb.gateway.metrics;

import java.util.concurrent.atomic.LongAdder;

/** Monotonic counters the proxy keeps for /metrics; cheap to bump from any event loop. */
public final class ProxyCounters {

    private final LongAdder clientConnections = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder pinnedSessions = new LongAdder();
    private final LongAdder cancelRequests = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();

    public void clientConnected() {
        clientConnections.increment();
    }

    public void transactionStarted() {
        transactions.increment();
    }

    public void pinned() {
        pinnedSessions.increment();
    }

    public void cancelRequested() {
        cancelRequests.increment();
    }

    /** A client waited this long in line for a backend connection (served or timed out). */
    public void clientWaited(long nanos) {
        waits.increment();
        waitNanos.add(nanos);
    }

    /** Requests for a backend connection that had to wait in line. */
    public long waits() {
        return waits.sum();
    }

    /** Total time clients spent waiting in line, in nanoseconds. */
    public long waitNanos() {
        return waitNanos.sum();
    }

    public long clientConnections() {
        return clientConnections.sum();
    }

    /** Backend borrowings in transaction pooling (one per transaction or Sync batch). */
    public long transactions() {
        return transactions.sum();
    }

    /** Client sessions that created session state and kept their backend. */
    public long pinnedSessions() {
        return pinnedSessions.sum();
    }

    public long cancelRequests() {
        return cancelRequests.sum();
    }
}
