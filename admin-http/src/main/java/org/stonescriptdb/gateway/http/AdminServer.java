package org.stonescriptdb.gateway.http;

import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.Headers;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.config.Limits;
import org.stonescriptdb.gateway.schema.bundle.BundleException;

import java.net.InetAddress;
import javax.net.ssl.SSLContext;
import java.util.function.Supplier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP side-port (Undertow on {@code GATEWAY_HOST:GATEWAY_PORT}). Every request is admitted by source
 * address first ({@code ALLOWED_NETWORKS}, 403 otherwise), then runs on a virtual thread — never on an IO
 * thread — and is answered once, whole (a deploy the client asked to stream is answered as NDJSON lines instead,
 * {@link NdjsonAnswer}). Errors are the seed's JSON shape; a failure inside an endpoint becomes
 * a JSON 500 without a stack trace, a lost backend a 503. Connections are bounded in number and time by the
 * HTTP limits ({@link HttpListener}, {@link RequestDeadline}).
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());
    private static final List<Cidr> EVERYONE = List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"));

    /**
     * @param allowedNetworks source addresses admitted
     * @param maxUploadBytes  bound for bundle uploads (JSON bodies have their own, smaller bound)
     * @param limits          the {@code HTTP_*} bounds of connections: how many, and how long a request and an idle
     *                        connection may take
     * @param errors          told the {@code error} code of every error answer (for the errors metric)
     */
    /** @param tls the HTTPS context ({@code HTTP_TLS=on}), asked for each new connection (it may be renewed); null for plain HTTP */
    public record Settings(List<Cidr> allowedNetworks, long maxUploadBytes, Limits limits, Consumer<String> errors, Supplier<SSLContext> tls) {

        /** Plain HTTP. */
        public Settings(List<Cidr> allowedNetworks, long maxUploadBytes, Limits limits, Consumer<String> errors) {
            this(allowedNetworks, maxUploadBytes, limits, errors, null);
        }
    }

    private final HttpListener listener;
    private final ExecutorService blocking;
    /** {@code ALLOWED_NETWORKS} as served now: a reload replaces it. */
    private final AtomicReference<List<Cidr>> allowed;

    private AdminServer(HttpListener listener, ExecutorService blocking, AtomicReference<List<Cidr>> allowed) {
        this.listener = listener;
        this.blocking = blocking;
        this.allowed = allowed;
    }

    /** Admits requests from these networks from now on (a reload of {@code ALLOWED_NETWORKS}). */
    public void allowedNetworks(List<Cidr> networks) {
        allowed.set(List.copyOf(networks));
    }

    /** Only {@code GET /health}, open to every address, with the default limits (tests of the probe alone). */
    public static AdminServer start(String host, int port, HealthHandler health) {
        return start(host, port, new Settings(EVERYONE, Request.MAX_JSON_BYTES, Limits.defaults(), code -> { }),
                List.of(new Endpoint.Route("GET", "/health", health)));
    }

    /** Binds and starts; {@code port} 0 picks a free port (see {@link #port()}). */
    public static AdminServer start(String host, int port, Settings settings, List<Endpoint.Route> routes) {
        ExecutorService blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-", 0).factory());
        AtomicReference<List<Cidr>> allowed = new AtomicReference<>(List.copyOf(settings.allowedNetworks()));
        RoutingHandler router = Handlers.routing();
        for (Endpoint.Route route : routes) {
            router.add(route.method(), route.path(), dispatched(blocking, allowed, settings, route.endpoint()));
        }
        router.setFallbackHandler(admitted(allowed, settings, exchange -> send(exchange, settings, new ApiException(404, "not_found",
                        "no endpoint " + exchange.getRequestMethod() + " " + exchange.getRequestPath()))))
                .setInvalidMethodHandler(admitted(allowed, settings, exchange -> send(exchange, settings, new ApiException(405, "method_not_allowed",
                        exchange.getRequestMethod() + " is not allowed on " + exchange.getRequestPath()))));
        HttpListener listener;
        try {
            listener = HttpListener.start(host, port, new RequestDeadline(router, settings.limits().httpRequestTimeout()), settings.limits(), settings.tls());
        } catch (IOException | RuntimeException e) {
            blocking.close();
            throw new IllegalStateException("cannot listen for HTTP on " + host + ":" + port + ": " + rootMessage(e), e);
        }
        return new AdminServer(listener, blocking, allowed);
    }

    public int port() {
        return listener.port();
    }

    /** HTTP connections open now (at most {@code HTTP_MAX_CONNECTIONS}). */
    public int openConnections() {
        return listener.openConnections();
    }

    /** Connections closed at accept since start because {@code HTTP_MAX_CONNECTIONS} were open. */
    public long refusedConnections() {
        return listener.refusedConnections();
    }

    @Override
    public void close() {
        listener.close();
        blocking.shutdownNow();
    }

    private static HttpHandler admitted(AtomicReference<List<Cidr>> allowed, Settings settings, HttpHandler next) {
        return exchange -> {
            InetAddress source = exchange.getSourceAddress() == null ? null : exchange.getSourceAddress().getAddress();
            if (source == null || allowed.get().stream().noneMatch(n -> n.contains(source))) {
                send(exchange, settings, new ApiException(403, "forbidden", "no gateway access for host \""
                        + (source == null ? "unknown" : source.getHostAddress()) + "\" (not in ALLOWED_NETWORKS)"));
                return;
            }
            next.handleRequest(exchange);
        };
    }

    /** Admission on the IO thread (cheap), then the endpoint on a virtual thread. */
    private static HttpHandler dispatched(ExecutorService executor, AtomicReference<List<Cidr>> allowed, Settings settings, Endpoint endpoint) {
        HttpHandler run = exchange -> {
            Endpoint.Reply reply;
            try {
                reply = endpoint.handle(new Request(exchange, settings.maxUploadBytes()));
            } catch (Throwable t) {
                NdjsonAnswer streamed = NdjsonAnswer.of(exchange);
                if (streamed != null) {
                    // The answer has begun (200, NDJSON): the error it would have been is its last line.
                    ApiException e = asApiException(exchange, t);
                    settings.errors().accept(e.error());
                    streamed.finish(e.status(), e.body());
                    return;
                }
                if (!exchange.getConnection().isOpen()) {
                    // The client left, or its request did not arrive in time (RequestDeadline): no one to answer, and
                    // whatever the half-read body made fail is not a gateway fault.
                    LOG.fine(() -> exchange.getRequestMethod() + " " + exchange.getRequestPath() + ": connection closed before the answer: " + t);
                    exchange.endExchange();
                    return;
                }
                send(exchange, settings, asApiException(exchange, t));
                return;
            }
            NdjsonAnswer streamed = NdjsonAnswer.of(exchange);
            if (streamed != null) {
                streamed.finish(reply.status(), reply.body());
                return;
            }
            send(exchange, reply);
        };
        return admitted(allowed, settings, exchange -> exchange.dispatch(executor, () -> {
            try (var request = org.stonescriptdb.gateway.log.LogContext.with("request", exchange.getRequestMethod() + " " + exchange.getRequestPath())) {
                run.handleRequest(exchange);
            } catch (Throwable t) {
                LOG.log(Level.SEVERE, exchange.getRequestMethod() + " " + exchange.getRequestPath() + " failed", t);
                exchange.endExchange();
            }
        }));
    }

    static ApiException asApiException(HttpServerExchange exchange, Throwable t) {
        if (t instanceof ApiException api) return api;
        if (t instanceof BundleException bundle) return new ApiException(400, "invalid_bundle", bundle.getMessage());
        if (backendUnavailable(t)) {
            LOG.warning(() -> exchange.getRequestMethod() + " " + exchange.getRequestPath() + ": backend unavailable: " + t.getMessage());
            return new ApiException(503, "backend_unavailable", "PostgreSQL cannot be reached; try again shortly");
        }
        LOG.log(Level.SEVERE, exchange.getRequestMethod() + " " + exchange.getRequestPath() + " failed", t);
        return new ApiException(500, "internal_error", "the gateway failed to answer this request; see its log");
    }

    /** A lost or refused backend connection (SQLSTATE class 08, shutdown 57P0x, pool timeout). */
    public static boolean backendUnavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLTransientConnectionException) return true;
            if (c instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    private static void send(HttpServerExchange exchange, Settings settings, ApiException e) {
        settings.errors().accept(e.error());
        // The rest of an oversized body is never read: close the connection after answering, so a client does not
        // send its next request on a connection the server is about to drop.
        if (e.status() == 413 && !exchange.isResponseStarted()) {
            exchange.setPersistent(false);
            drain(exchange);
        }
        send(exchange, Endpoint.Reply.json(e.status(), e.body()));
    }

    /** Largest remainder of a refused body read and discarded before answering. */
    private static final long DRAIN_BYTES = 16L * 1024 * 1024;

    /**
     * Reads and discards the rest of a refused body (up to {@link #DRAIN_BYTES}) before answering: a connection
     * closed with unread data is reset, and the reset can destroy the 413 before the client reads it.
     */
    private static void drain(HttpServerExchange exchange) {
        if (exchange.isInIoThread() || exchange.isRequestComplete()) return;
        try {
            if (!exchange.isBlocking()) exchange.startBlocking();
            java.io.InputStream in = exchange.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; total < DRAIN_BYTES && (n = in.read(buffer)) > 0; ) total += n;
        } catch (java.io.IOException | RuntimeException ignored) {
            // the connection is closed after the answer anyway
        }
    }

    private static void send(HttpServerExchange exchange, Endpoint.Reply reply) {
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        if (reply.body() instanceof String text) {
            exchange.setStatusCode(reply.status());
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, reply.contentType());
            exchange.getResponseSender().send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        } else if (reply.body() instanceof ByteBuffer[] written) {
            Json.send(exchange, reply.status(), written);
        } else {
            Json.send(exchange, reply.status(), reply.body());
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
