package org.stonescriptdb.gateway.session;

import org.stonescriptdb.gateway.config.Linger;

/**
 * Whether a client keeps its backend for a moment after a transaction ({@link Linger}). Under contention every
 * transaction would otherwise hand its backend to another client, and every hand-over costs a session reset — about
 * as much server work as a small transaction itself. A client that comes straight back (a busy application, pgbench)
 * runs its next transaction on the same backend with no reset, up to {@code maxTransactions} in a row so that waiting
 * clients still get their turn. A client that did not come back within the window (one with think time between
 * transactions) is not kept waiting for again until it shows it comes back quickly: its backend would only sit idle.
 * Used under its flow's lock.
 */
final class BackendLinger {

    private final Linger config;
    private final long windowNanos;
    private int kept;
    private boolean slowToReturn;
    /** When the client's last transaction ended, while its next one has not begun (else 0). */
    private long endedAt;

    BackendLinger(Linger config) {
        this.config = config;
        this.windowNanos = config.window().toNanos();
    }

    /** At the end of a transaction: true if the client keeps its backend for up to the window. */
    boolean keep(long now) {
        endedAt = now;
        if (!config.enabled() || slowToReturn || kept >= config.maxTransactions()) {
            kept = 0;
            return false;
        }
        kept++;
        return true;
    }

    /** The window passed without the client's next message; the backend goes back to the pool. */
    void expired() {
        slowToReturn = true;
        kept = 0;
    }

    /** The client's next transaction begins: did it come back quickly enough to be worth keeping a backend for? */
    void nextTransaction(long now) {
        if (endedAt == 0) return;
        slowToReturn = now - endedAt > windowNanos;
        endedAt = 0;
    }
}
