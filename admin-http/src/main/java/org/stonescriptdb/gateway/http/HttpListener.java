package org.stonescriptdb.gateway.http;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import org.stonescriptdb.gateway.config.Limits;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.Sequence;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import javax.net.ssl.SSLContext;
import java.util.function.Supplier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 listener, set up as Undertow's own builder would but with the side-port's bounds, which the builder
 * has no place for (a hook at accept time):
 * <ul>
 *   <li>{@code HTTP_MAX_CONNECTIONS} — {@link ConnectionCap};</li>
 *   <li>{@code HTTP_REQUEST_TIMEOUT_SECS} — the request headers must arrive within it from their first byte
 *       (Undertow's parse timeout; the body's deadline is {@link RequestDeadline});</li>
 *   <li>{@code HTTP_IDLE_TIMEOUT_SECS} — a connection with no request under way (a new one that sends nothing, a
 *       kept-alive one between requests) is closed after it, and so is one whose client stops reading an answer for
 *       that long (the write timeout), which would otherwise hold the answer in memory.</li>
 * </ul>
 */
final class HttpListener implements AutoCloseable {

    private static final int IO_THREADS = 2;
    private static final int WORKER_THREADS = 4;
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final long STOP_WAIT_SECONDS = 10;

    private final XnioWorker worker;
    private final AcceptingChannel<StreamConnection> server;
    private final ConnectionCap cap;

    private HttpListener(XnioWorker worker, AcceptingChannel<StreamConnection> server, ConnectionCap cap) {
        this.worker = worker;
        this.server = server;
        this.cap = cap;
    }

    /** @param tls the HTTPS context, looked at anew for each connection (it may be renewed); null for plain HTTP */
    static HttpListener start(String host, int port, HttpHandler root, Limits limits, Supplier<SSLContext> tls) throws IOException {
        int idleMillis = millis(limits.httpIdleTimeout().toMillis());
        XnioWorker worker = Xnio.getInstance(Undertow.class.getClassLoader()).createWorker(OptionMap.builder()
                .set(Options.WORKER_NAME, "http")
                .set(Options.WORKER_IO_THREADS, IO_THREADS)
                .set(Options.WORKER_TASK_CORE_THREADS, WORKER_THREADS)
                .set(Options.WORKER_TASK_MAX_THREADS, WORKER_THREADS)
                .set(Options.TCP_NODELAY, true)
                .set(Options.CORK, true)
                .getMap());
        try {
            HttpOpenListener http = new HttpOpenListener(new DefaultByteBufferPool(true, BUFFER_BYTES, -1, 4), OptionMap.builder()
                    .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                    .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(limits.httpRequestTimeout().toMillis()))
                    .set(UndertowOptions.NO_REQUEST_TIMEOUT, idleMillis)
                    .getMap());
            http.setRootHandler(root);
            ChannelListener<StreamConnection> open = http;
            if (tls != null) {
                // Counted and capped as accepted, before any byte of the handshake is read; TLS wraps each one after.
                TlsWrapping wrapping = new TlsWrapping(tls);
                OptionMap protocols = OptionMap.create(Options.SSL_ENABLED_PROTOCOLS, Sequence.of("TLSv1.3", "TLSv1.2"));
                open = connection -> http.handleEvent(wrapping.current().wrapExistingConnection(connection, protocols, false));
            }
            ConnectionCap cap = new ConnectionCap(limits.httpMaxConnections(), open);
            AcceptingChannel<StreamConnection> server = worker.createStreamConnectionServer(
                    new InetSocketAddress(InetAddress.getByName(host), port), cap, OptionMap.builder()
                            .set(Options.WORKER_IO_THREADS, IO_THREADS)
                            .set(Options.TCP_NODELAY, true)
                            .set(Options.REUSE_ADDRESSES, true)
                            .set(Options.BALANCING_TOKENS, 1)
                            .set(Options.BALANCING_CONNECTIONS, 2)
                            .set(Options.BACKLOG, 1000)
                            .set(Options.WRITE_TIMEOUT, idleMillis)
                            .getMap());
            server.resumeAccepts();
            return new HttpListener(worker, server, cap);
        } catch (IOException | RuntimeException e) {
            worker.shutdownNow();
            throw e;
        }
    }

    int port() {
        return server.getLocalAddress(InetSocketAddress.class).getPort();
    }

    int openConnections() {
        return cap.open();
    }

    long refusedConnections() {
        return cap.refused();
    }

    /** Stops accepting, then closes the open connections with the worker. */
    @Override
    public void close() {
        IoUtils.safeClose(server);
        worker.shutdown();
        try {
            if (!worker.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) worker.shutdownNow();
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Undertow's TLS for the context served now: made again only when a renewal replaced the context. */
    private static final class TlsWrapping {
        private final Supplier<SSLContext> contexts;
        private SSLContext wrapped;
        private UndertowXnioSsl ssl;

        TlsWrapping(Supplier<SSLContext> contexts) {
            this.contexts = contexts;
        }

        synchronized UndertowXnioSsl current() {
            SSLContext now = contexts.get();
            if (now != wrapped) {
                ssl = new UndertowXnioSsl(Xnio.getInstance(Undertow.class.getClassLoader()), OptionMap.EMPTY, now);
                wrapped = now;
            }
            return ssl;
        }
    }

    /** XNIO takes milliseconds as an int; the settings allow up to a year, which fits. */
    private static int millis(long millis) {
        return (int) Math.min(Integer.MAX_VALUE, millis);
    }
}
