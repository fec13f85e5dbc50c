package org.stonescriptdb.gateway.process;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ends the JVM at once with a given status, after one log line if that line can be written within a second.
 *
 * <p>{@link Runtime#halt} rather than {@link System#exit}: exit runs the shutdown hooks, and in a process whose event
 * loops are dead or blocked those hooks (the graceful stop among them) can wait forever — the process would stay up,
 * answering nothing. The line is written on a thread of its own and waited for a bounded time, because the log's
 * output stream may be blocked (a full pipe) or its lock held by a thread that will never let go.
 */
public final class Halt {

    private static final Logger LOG = Logger.getLogger(Halt.class.getName());
    private static final long LOG_WAIT_MILLIS = 1_000;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private static volatile String line;
    private static volatile Throwable cause;
    /** Made by {@link #prepare} while memory is plentiful: with the heap gone, starting a thread may still work. */
    private static volatile Thread writer;

    private Halt() {
    }

    /** Loads this class and makes the thread that will write the line; the gateway's main calls it at start. */
    public static void prepare() {
        if (writer == null) writer = newWriter();
    }

    /** Logs {@code line} (with {@code cause}'s stack trace, when given) at SEVERE, then halts with {@code status}. */
    public static void now(int status, String line, Throwable cause) {
        if (STARTED.compareAndSet(false, true)) {
            if (line != null) logWithin(line, cause);
            Runtime.getRuntime().halt(status);
        }
        // Another thread is already writing its line and halting; should it be stuck, this one halts instead.
        try {
            Thread.sleep(2 * LOG_WAIT_MILLIS);
        } catch (InterruptedException ignored) {
            // halt now, then
        }
        Runtime.getRuntime().halt(status);
    }

    /** Whether a halt has begun: what is logged from then on is the halt's own report, not news. */
    public static boolean started() {
        return STARTED.get();
    }

    private static void logWithin(String text, Throwable failure) {
        try {
            line = text;
            cause = failure;
            Thread w = writer != null ? writer : newWriter();
            w.start();
            w.join(LOG_WAIT_MILLIS);
        } catch (Throwable noLine) {
            // Not even a thread could be started (memory is gone): halting matters more than the line.
        }
    }

    private static Thread newWriter() {
        return Thread.ofPlatform().daemon().name("halt-log").unstarted(Halt::writeLine);
    }

    private static void writeLine() {
        LOG.log(Level.SEVERE, line, cause);
    }
}
