package org.stonescriptdb.gateway.http;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP side-port (Undertow on {@code GATEWAY_HOST:GATEWAY_PORT}). Every endpoint that may block runs
 * on a virtual thread; unknown paths and methods get the JSON error shape, and a failure inside a
 * handler becomes a JSON 500 without a stack trace.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());

    private final Undertow undertow;
    private final ExecutorService blocking;
    private final int port;

    private AdminServer(Undertow undertow, ExecutorService blocking, int port) {
        this.undertow = undertow;
        this.blocking = blocking;
        this.port = port;
    }

    /** Binds and starts; {@code port} 0 picks a free port (see {@link #port()}). */
    public static AdminServer start(String host, int port, HealthHandler health) {
        ExecutorService blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-", 0).factory());
        RoutingHandler routes = Handlers.routing()
                .get("/health", blocking(blocking, health))
                .setFallbackHandler(exchange -> Json.error(exchange, 404, "not_found",
                        "no endpoint " + exchange.getRequestMethod() + " " + exchange.getRequestPath()))
                .setInvalidMethodHandler(exchange -> Json.error(exchange, 405, "method_not_allowed",
                        exchange.getRequestMethod() + " is not allowed on " + exchange.getRequestPath()));
        Undertow undertow = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(2)
                .setWorkerThreads(4)
                .setHandler(guarded(routes))
                .build();
        try {
            undertow.start();
        } catch (RuntimeException e) {
            blocking.close();
            throw new IllegalStateException("cannot listen for HTTP on " + host + ":" + port + ": " + rootMessage(e), e);
        }
        int bound = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        return new AdminServer(undertow, blocking, bound);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        undertow.stop();
        blocking.shutdownNow();
    }

    /** Runs {@code handler} on the blocking executor, with the same JSON 500 on failure. */
    private static HttpHandler blocking(ExecutorService executor, HttpHandler handler) {
        HttpHandler safe = guarded(handler);
        return exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(executor, safe);
            } else {
                safe.handleRequest(exchange);
            }
        };
    }

    private static HttpHandler guarded(HttpHandler handler) {
        return exchange -> {
            try {
                handler.handleRequest(exchange);
            } catch (Throwable t) {
                internalError(exchange, t);
            }
        };
    }

    private static void internalError(HttpServerExchange exchange, Throwable t) {
        LOG.log(Level.SEVERE, exchange.getRequestMethod() + " " + exchange.getRequestPath() + " failed", t);
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
        } else {
            Json.error(exchange, 500, "internal_error", "the gateway failed to answer this request; see its log");
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
