package org.stonescriptdb.gateway.process;

/**
 * Failures after which the gateway must not go on: a {@link VirtualMachineError} (out of memory, stack overflow, an
 * internal JVM error) anywhere, or an event loop that died. A process that carries on after one of them may keep its
 * ports open while no thread serves them — what issue #13 saw after an OutOfMemoryError — so it halts with
 * {@link #EXIT_STATUS} and a supervisor (systemd, Kubernetes) starts a fresh one.
 *
 * <p>Netty catches what a handler or a loop task throws and only logs it (or passes it to {@code exceptionCaught});
 * the places that see such a throwable hand it to {@link #haltIfFatal}.
 *
 * <p>The way to the halt must work with no memory left: it is rehearsed at start ({@link #prepare}), nothing is
 * allocated before the reserve set aside then is let go (not even a string constant at the call site: callers pass
 * only what exists already), the line is built with a plain StringBuilder (a {@code +} would link its call site, on
 * first use, at the worst moment), and if building or writing it fails all the same, the process halts without it.
 */
public final class FatalErrors {

    /** The JVM's own {@code -XX:+ExitOnOutOfMemoryError} exits with 3 as well: one status for "failed while running". */
    public static final int EXIT_STATUS = 3;
    /** Causes are followed this deep; a longer chain is a cycle, or not worth the walk. */
    private static final int MAX_CAUSE_DEPTH = 32;
    /** Enough for the line, its stack trace and the thread that writes them. */
    private static final int RESERVE_BYTES = 1 << 20;

    /** Held only to be dropped: once it is garbage, the next allocation finds room for the report. */
    @SuppressWarnings("unused")
    private static volatile byte[] reserve;

    private FatalErrors() {
    }

    /**
     * Sets the reserve aside and rehearses what a halt runs, short of halting, while memory is plentiful: the first use of
     * a class from a method makes the JVM ask the class loader for it, and that takes memory. The gateway's main calls it
     * at start.
     */
    public static void prepare() {
        reserve = new byte[RESERVE_BYTES];
        OutOfMemoryError rehearsal = new OutOfMemoryError("rehearsal");
        isFatal(rehearsal);
        line(describe(rehearsal, "rehearsal", ""));
        Runtime.getRuntime();
        Halt.prepare();
    }

    /** Whether {@code failure}, or anything in its chain of causes, is a {@link VirtualMachineError}. */
    public static boolean isFatal(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++) {
            if (t instanceof VirtualMachineError) return true;
            t = t.getCause() == t ? null : t.getCause();
        }
        return false;
    }

    /** Halts the process when {@code failure} is fatal; returns otherwise, so the caller handles it as before. */
    public static void haltIfFatal(Throwable failure) {
        if (!isFatal(failure)) return;
        reserve = null;
        try {
            halt(describe(failure, null, null), failure);
        } catch (Throwable noMemoryForTheLine) {
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    /** For an uncaught-exception handler: the same, naming the thread that {@code failure} ended. */
    public static void haltIfFatal(Thread thread, Throwable failure) {
        if (!isFatal(failure)) return;
        reserve = null;
        try {
            // Even a string constant is made on the heap the first time it is used: only now, with the reserve gone.
            halt(describe(failure, "uncaught in thread ", thread.getName()), failure);
        } catch (Throwable noMemoryForTheLine) {
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    /** For a log handler: the same, naming the logger of the library that caught {@code failure} and only logged it. */
    public static void haltIfLoggedFatal(String logger, Throwable failure) {
        if (!isFatal(failure)) return;
        reserve = null;
        try {
            halt(describe(failure, "caught and logged by ", logger), failure);
        } catch (Throwable noMemoryForTheLine) {
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    /** Halts the process with {@link #EXIT_STATUS}, after one log line saying {@code what} happened. */
    public static void halt(String what, Throwable cause) {
        reserve = null;
        try {
            Halt.now(EXIT_STATUS, line(what), cause);
        } catch (Throwable noMemoryForTheLine) {
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    private static String describe(Throwable failure, String how, String where) {
        StringBuilder what = new StringBuilder(256).append(failure);
        if (how != null) what.append(" (").append(how).append(where).append(')');
        return what.toString();
    }

    private static String line(String what) {
        return new StringBuilder(384).append("fatal: ").append(what).append("; stopping at once with exit status ").append(EXIT_STATUS)
                .append(" so that a supervisor starts the gateway again").toString();
    }
}
