package org.stonescriptdb.gateway.registry;

import java.io.IOException;
import java.sql.SQLException;

/**
 * How many bytes the current thread may read from PostgreSQL on the side-port's connections, so that one request
 * cannot make the driver hold more than that: pgjdbc reads a whole batch of fetched rows before the caller sees the
 * first, and a batch of large rows can be gigabytes. Reading past the budget fails the socket read; pgjdbc then
 * closes the connection (SQLSTATE 08006) and the request sees {@link #exceeded()}.
 *
 * <p>Bound to the thread, because the driver reads on the caller's thread and the socket is made by the driver
 * ({@link BudgetedSocketFactory}); threads without a budget (the pool's own housekeeping) read freely.
 */
public final class ReadBudget implements AutoCloseable {

    /** A read past the budget. */
    static final class Exceeded extends IOException {
        Exceeded(long bytes) {
            super("read more than the request's budget of " + bytes + " bytes from PostgreSQL", null);
        }
    }

    private static final ThreadLocal<ReadBudget> CURRENT = new ThreadLocal<>();

    private final long bytes;
    private long read;
    private boolean exceeded;

    private ReadBudget(long bytes) {
        this.bytes = bytes;
    }

    /** A budget for this thread's reads until {@link #close()}. */
    public static ReadBudget open(long bytes) {
        ReadBudget budget = new ReadBudget(bytes);
        CURRENT.set(budget);
        return budget;
    }

    /** Whether a read was refused (the connection it was read on is closed). */
    public boolean exceeded() {
        return exceeded;
    }

    @Override
    public void close() {
        if (CURRENT.get() == this) CURRENT.remove();
    }

    /** The most a read on this thread may ask for now: one byte past the budget, so the read that passes it fails. */
    static int allowed(int wanted) {
        ReadBudget b = CURRENT.get();
        if (b == null || wanted <= 0) return wanted;
        return (int) Math.max(1, Math.min(wanted, b.bytes - b.read + 1));
    }

    /** Counts {@code n} bytes read on this thread; past the budget the read fails, and every later one. */
    static void charge(long n) throws Exceeded {
        ReadBudget b = CURRENT.get();
        if (b == null) return;
        if (n > 0) b.read += n;
        if (b.read > b.bytes) {
            b.exceeded = true;
            throw new Exceeded(b.bytes);
        }
    }

    /** Whether {@code e} is the driver's report of a read this class refused. */
    static boolean causedBy(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Exceeded) return true;
        }
        return false;
    }
}
