package org.stonescriptdb.gateway.metrics;

import org.stonescriptdb.gateway.routing.DatabaseName;

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

    /**
     * Platforms that get series of their own; the ones after are counted under {@value #OTHER}, so a gateway with
     * thousands of platforms (or a client naming made-up ones) cannot grow the metrics without bound.
     */
    public static final int MAX_PLATFORM_LABELS = 200;
    public static final String OTHER = "other";
    private final java.util.concurrent.ConcurrentHashMap<String, LongAdder> platformTransactions = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The counter of transactions of {@code database}'s platform, to be looked up once per session and bumped per
     * transaction. Only databases the gateway serves (platform databases that exist) reach here.
     */
    public LongAdder platformTransactions(String database) {
        String platform = platformLabel(database);
        LongAdder known = platformTransactions.get(platform);
        if (known != null) return known;
        synchronized (platformTransactions) {
            String label = platformTransactions.size() < MAX_PLATFORM_LABELS ? platform : OTHER;
            return platformTransactions.computeIfAbsent(label, k -> new LongAdder());
        }
    }

    /** Transactions per platform label since start. */
    public java.util.Map<String, Long> platformTransactions() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        platformTransactions.forEach((platform, n) -> out.put(platform, n.sum()));
        return out;
    }

    /** The platform part of a platform database's name ({@code acme} of {@code acme_main}). */
    public static String platformLabel(String database) {
        return DatabaseName.parse(database).map(DatabaseName::platform).orElse(database);
    }

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
