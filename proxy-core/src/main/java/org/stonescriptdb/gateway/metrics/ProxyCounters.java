package org.stonescriptdb.gateway.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Monotonic counters the proxy keeps for /metrics; cheap to bump from any event loop. */
public final class ProxyCounters {

    private final LongAdder clientConnections = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder pinnedSessions = new LongAdder();
    private final LongAdder cancelRequests = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    private final LongAdder resetsDiscardAll = new LongAdder();
    private final LongAdder resetsStatements = new LongAdder();
    private final LongAdder tlsHandshakes = new LongAdder();
    private final LongAdder tlsHandshakeFailures = new LongAdder();
    private final Map<AuthFailure, LongAdder> authFailures = new EnumMap<>(AuthFailure.class);

    public ProxyCounters() {
        for (AuthFailure reason : AuthFailure.values()) authFailures.put(reason, new LongAdder());
    }

    /** A wire client was refused before it logged in. */
    public void authFailed(AuthFailure reason) {
        authFailures.get(reason).increment();
    }

    public long authFailures(AuthFailure reason) {
        return authFailures.get(reason).sum();
    }

    /** A client's TLS handshake ended: completed, or failed (a wrong certificate, protocol, or a client that left). */
    public void tlsHandshake(boolean completed) {
        (completed ? tlsHandshakes : tlsHandshakeFailures).increment();
    }

    public long tlsHandshakes() {
        return tlsHandshakes.sum();
    }

    public long tlsHandshakeFailures() {
        return tlsHandshakeFailures.sum();
    }

    public void clientConnected() {
        clientConnections.increment();
    }

    public void transactionStarted() {
        transactions.increment();
    }

    public void pinned() {
        pinnedSessions.increment();
    }

    /**
     * A backend passed from one client to another was reset: with {@code DISCARD ALL} (it held none of the gateway's
     * statements) or statement by statement (keeping them).
     */
    public void sessionReset(boolean discardAll) {
        (discardAll ? resetsDiscardAll : resetsStatements).increment();
    }

    /** Hand-over resets done with DISCARD ALL. */
    public long resetsDiscardAll() {
        return resetsDiscardAll.sum();
    }

    /** Hand-over resets done statement by statement. */
    public long resetsStatements() {
        return resetsStatements.sum();
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

    /** Transactions (or Sync batches) served in transaction pooling, on a borrowed backend or one the client kept. */
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
