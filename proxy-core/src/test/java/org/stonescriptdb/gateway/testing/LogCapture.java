package org.stonescriptdb.gateway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the gateway (at FINE and up) and Netty log while it is open, so a test can say what must not be
 * logged: a stack trace for a client's mistake, or a ByteBuf that was never released (Netty's leak detector, which the
 * tests run in paranoid mode, only logs them).
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private static final String GATEWAY = "org.stonescriptdb";
    private static final String LEAK_DETECTOR = "io.netty.util.ResourceLeakDetector";

    private final List<LogRecord> records = new ArrayList<>();
    private final Logger gateway = Logger.getLogger(GATEWAY);
    private final Level gatewayLevel = gateway.getLevel();
    private final Logger root = Logger.getLogger("");

    public LogCapture() {
        setLevel(Level.ALL);
        gateway.setLevel(Level.FINE);
        root.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        if (r.getLoggerName() != null && (r.getLoggerName().startsWith(GATEWAY) || r.getLoggerName().startsWith("io.netty"))) records.add(r);
    }

    /** Records that carry a stack trace, as "logger: message: exception". */
    public synchronized List<String> stackTraces() {
        return records.stream().filter(r -> r.getThrown() != null)
                .map(r -> r.getLoggerName() + ": " + r.getMessage() + ": " + r.getThrown()).toList();
    }

    /** Netty's reports of ByteBufs collected without having been released. */
    public synchronized List<String> leaks() {
        return records.stream().filter(r -> LEAK_DETECTOR.equals(r.getLoggerName()) && String.valueOf(r.getMessage()).contains("LEAK"))
                .map(r -> r.getMessage().lines().limit(12).reduce((a, b) -> a + "\n" + b).orElse("")).toList();
    }

    /** The gateway's records, oldest first, as "level logger: message", for a failure report. */
    public synchronized List<String> gatewayLines(int last) {
        List<String> lines = records.stream().filter(r -> r.getLoggerName().startsWith(GATEWAY))
                .map(r -> r.getLevel() + " " + r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1) + ": " + r.getMessage()).toList();
        return lines.subList(Math.max(0, lines.size() - last), lines.size());
    }

    /** Gateway records at {@code level} whose message contains {@code fragment}. */
    public synchronized long count(Level level, String fragment) {
        return records.stream().filter(r -> r.getLevel() == level && r.getLoggerName().startsWith(GATEWAY)
                && r.getMessage() != null && r.getMessage().contains(fragment)).count();
    }

    /**
     * Lets the leak detector report: it only looks for collected buffers when a buffer is allocated, so collect,
     * then allocate a few (tracked, as every buffer is in paranoid mode).
     */
    public static void provokeLeakReports() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // time for the collector to enqueue the references; nothing to observe from here
            for (int j = 0; j < 64; j++) {
                io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(16).release();
                io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(16).release();
            }
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        gateway.setLevel(gatewayLevel);
    }
}
