package org.stonescriptdb.gateway.session;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.config.Linger;

import java.util.concurrent.TimeUnit;

/**
 * Whether a client keeps its backend for a moment after a transaction ({@link Linger}). Under contention every
 * transaction would otherwise hand its backend to another client, and every hand-over costs a session reset — about
 * as much server work as a small transaction itself. A client that comes straight back (a busy application, pgbench)
 * runs its next transaction on the same backend with no reset, up to {@code maxTransactions} in a row so that waiting
 * clients still get their turn. A client with think time between transactions is not waited for — its backend would
 * only sit idle: each return within the window scores a point, each later one costs one (from -4 to 4), and the
 * backend is kept only while the score is at least -1. A client that mostly comes back at once is kept for though it
 * sometimes does not (on a busy machine a quick client is sometimes late), one that mostly does not is not, and one
 * that changes is followed. It also keeps the timer that ends a linger.
 * Used under its flow's lock.
 */
final class BackendLinger {

    private final Linger config;
    private final long windowNanos;
    private static final int MAX_SCORE = 4;
    private static final int MIN_SCORE = -4;
    /** Two late returns in a row (from a fresh start) and the client is no longer kept for. */
    private static final int KEEP_FROM = -1;

    private int kept;
    /** How well the client has come back within the window of late. */
    private int score;
    /** When the client's last transaction ended, while its next one has not begun (else 0). */
    private long endedAt;
    /**
     * While a linger runs: its end, scheduled anew and cancelled at every linger. (A {@link LazyDeadline} here, one
     * pending task renewed by a deadline, cost a lone client 3–4 µs of CPU per transaction more: the task ran out every
     * window and woke the idle loop for nothing.)
     */
    private ScheduledFuture<?> timer;

    BackendLinger(Linger config) {
        this.config = config;
        this.windowNanos = config.window().toNanos();
    }

    /** At the end of a transaction: true if the client keeps its backend for up to the window. */
    boolean keep(long now) {
        endedAt = now;
        if (!config.enabled() || score < KEEP_FROM || kept >= config.maxTransactions()) {
            kept = 0;
            return false;
        }
        kept++;
        return true;
    }

    /** A linger begins: {@code over} runs on {@code loop} when {@code window} passes, unless {@link #stopped} first. */
    void started(EventLoop loop, Runnable over, long windowNanos) {
        timer = loop.schedule(over, windowNanos, TimeUnit.NANOSECONDS);
    }

    /** The linger ended before its window (the client came back, or the backend goes). */
    void stopped() {
        timer.cancel(false);
        timer = null;
    }

    /** The window passed without the client's next message; the backend goes back to the pool. */
    void expired() {
        timer = null;
        kept = 0;
    }

    /** The client's next transaction begins: did it come back within the window? */
    void nextTransaction(long now) {
        if (endedAt == 0) return;
        score = now - endedAt <= windowNanos ? Math.min(MAX_SCORE, score + 1) : Math.max(MIN_SCORE, score - 1);
        endedAt = 0;
    }
}
