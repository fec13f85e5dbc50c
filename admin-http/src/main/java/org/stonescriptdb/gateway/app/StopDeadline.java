package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.process.Halt;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Guarantees that a stop ends the process: armed when a stop begins, it halts the JVM with {@link #EXIT_STATUS} if the
 * process is still there {@link #AFTER} later. A graceful stop can wait on things that never come — a close that must
 * run on a blocked event loop, a shutdown hook that waits for it — and a supervisor must never find a process that
 * was told to stop still holding its ports. The forced end is not a clean stop (connections are cut, the embedded
 * PostgreSQL may be left to the next start to stop), so it does not exit 0.
 */
final class StopDeadline {

    /** A stop that had to be forced. */
    static final int EXIT_STATUS = 4;
    /** The drain time plus a margin for closing the rest; below systemd's TimeoutStopSec (30 s), so this comes first. */
    static final Duration AFTER = GatewayApplication.SHUTDOWN_GRACE.plusSeconds(5);

    private static final AtomicBoolean ARMED = new AtomicBoolean();

    private StopDeadline() {
    }

    /** Starts the countdown once; later calls (a second signal, the shutdown hook) change nothing. */
    static void arm() {
        if (!ARMED.compareAndSet(false, true)) return;
        // A platform daemon thread: it must run however busy (or pinned) the virtual threads' carriers are, and must
        // not itself keep the JVM alive.
        Thread.ofPlatform().daemon().name("stop-deadline").start(() -> {
            try {
                Thread.sleep(AFTER);
            } catch (InterruptedException e) {
                // halt all the same: nothing else would
            }
            Halt.now(EXIT_STATUS, "the graceful stop did not finish within " + AFTER.toSeconds() + " s; stopping at once with exit status "
                    + EXIT_STATUS, null);
        });
    }
}
