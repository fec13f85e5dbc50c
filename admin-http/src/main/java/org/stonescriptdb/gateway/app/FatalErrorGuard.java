package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.process.FatalErrors;
import org.stonescriptdb.gateway.process.Halt;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Makes a {@link VirtualMachineError} end the process however it surfaces, for a JVM started without
 * {@code -XX:+ExitOnOutOfMemoryError} (a bare {@code java -jar}; a jar's manifest cannot set JVM flags) and for the
 * out-of-memory errors that flag never sees (direct memory: thrown by Java code, not by the JVM):
 * <ul>
 *   <li>a thread that dies of one: the default uncaught-exception handler;</li>
 *   <li>one that a library catches and only logs — Netty does so for a loop task, a promise listener, an
 *       {@code exceptionCaught} that reaches the pipeline's end and the loop's own death; Undertow and HikariCP alike:
 *       a log handler placed before every other, which sees each record that carries one.</li>
 * </ul>
 * The gateway's own channel handlers hand theirs to {@link FatalErrors#haltIfFatal} directly (they log at debug only).
 */
final class FatalErrorGuard {

    private static final Logger LOG = Logger.getLogger(FatalErrorGuard.class.getName());

    private FatalErrorGuard() {
    }

    /** Call after {@link LoggingSetup#configure}, which replaces the log handlers. */
    static void install() {
        FatalErrors.prepare();
        Thread.setDefaultUncaughtExceptionHandler(FatalErrorGuard::uncaught);
        Logger root = Logger.getLogger("");
        // First, so a console handler that fails on a record (formatting a trace needs memory) cannot keep it from us.
        Handler[] others = root.getHandlers();
        for (Handler h : others) root.removeHandler(h);
        root.addHandler(new LoggedFatalErrors());
        for (Handler h : others) root.addHandler(h);
    }

    private static void uncaught(Thread thread, Throwable failure) {
        FatalErrors.haltIfFatal(thread, failure);
        LOG.log(Level.SEVERE, "thread " + thread.getName() + " ended with an uncaught exception", failure);
    }

    /** Halts on a log record that carries a fatal error; lets every other record through untouched. */
    static final class LoggedFatalErrors extends Handler {
        @Override
        public void publish(LogRecord record) {
            // Once halting, the records are the halt's own report: they must reach the console, not come back here.
            if (!Halt.started()) FatalErrors.haltIfLoggedFatal(record.getLoggerName(), record.getThrown());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
