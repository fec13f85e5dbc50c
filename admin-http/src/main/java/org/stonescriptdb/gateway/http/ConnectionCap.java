package org.stonescriptdb.gateway.http;

import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Accepts HTTP connections up to {@code HTTP_MAX_CONNECTIONS} and closes each one beyond it as soon as it is
 * accepted, before a byte of it is read: silent or slow clients cannot take every descriptor, and the connections
 * already open are not touched. A connection counts from its accept to its close, whoever closes it.
 */
final class ConnectionCap implements ChannelListener<AcceptingChannel<StreamConnection>> {

    private static final Logger LOG = Logger.getLogger(ConnectionCap.class.getName());
    /** Refusals come in floods: say so at most this often. */
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int max;
    private final ChannelListener<StreamConnection> next;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    ConnectionCap(int max, ChannelListener<StreamConnection> next) {
        this.max = max;
        this.next = next;
    }

    @Override
    public void handleEvent(AcceptingChannel<StreamConnection> server) {
        StreamConnection connection;
        try {
            connection = server.accept();
        } catch (IOException e) {
            LOG.fine(() -> "HTTP accept failed: " + e.getMessage());
            return;
        }
        if (connection == null) return;
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.increment();
            IoUtils.safeClose(connection);
            warnFull();
            return;
        }
        // XNIO adds close listeners to each other, so Undertow's own (set later) does not replace this one.
        connection.setCloseListener(closed -> open.decrementAndGet());
        next.handleEvent(connection);
    }

    int open() {
        return open.get();
    }

    long refused() {
        return refused.sum();
    }

    private void warnFull() {
        long last = lastWarning.get();
        long now = System.nanoTime();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warning(() -> "HTTP port at HTTP_MAX_CONNECTIONS (" + max + " open connections): new connections are closed "
                    + "until some end (" + refused.sum() + " closed so far)");
        }
    }
}
