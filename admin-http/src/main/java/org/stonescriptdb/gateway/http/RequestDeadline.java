package org.stonescriptdb.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Closes a connection whose request body has not all arrived within {@code HTTP_REQUEST_TIMEOUT_SECS} of its headers
 * (Undertow's parse timeout bounds the headers themselves). Without it, a client sending a body a byte at a time —
 * or not at all after its Content-Length — would hold the connection and the thread reading it for ever. Once the
 * body is in, the deadline no longer matters: an endpoint may take as long as its work takes.
 */
final class RequestDeadline implements HttpHandler {

    private static final Logger LOG = Logger.getLogger(RequestDeadline.class.getName());

    private final HttpHandler next;
    private final long millis;

    RequestDeadline(HttpHandler next, Duration timeout) {
        this.next = next;
        this.millis = timeout.toMillis();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!exchange.isRequestComplete()) {
            XnioExecutor.Key deadline = exchange.getIoThread().executeAfter(() -> expire(exchange), millis, TimeUnit.MILLISECONDS);
            exchange.addExchangeCompleteListener((done, proceed) -> {
                deadline.remove();
                proceed.proceed();
            });
        }
        next.handleRequest(exchange);
    }

    private void expire(HttpServerExchange exchange) {
        if (exchange.isRequestComplete() || !exchange.getConnection().isOpen()) return;
        LOG.fine(() -> "closing the HTTP connection of " + exchange.getSourceAddress() + ": its " + exchange.getRequestMethod()
                + " " + exchange.getRequestPath() + " did not arrive whole within " + millis + " ms (HTTP_REQUEST_TIMEOUT_SECS)");
        IoUtils.safeClose(exchange.getConnection());
    }
}
