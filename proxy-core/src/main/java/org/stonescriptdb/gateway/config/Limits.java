package org.stonescriptdb.gateway.config;

import java.time.Duration;

/**
 * The bounds that keep one client (or one address, or one HTTP request) from taking what others need: memory,
 * descriptors and time. Each is a setting ({@code docs/configuration.md}); exceeding one costs only the offender,
 * who gets the error PostgreSQL (or HTTP) itself would give.
 *
 * @param maxClientConnections            proxy client connections in all ({@code MAX_CLIENT_CONNECTIONS}); beyond it, 53300
 * @param maxClientConnectionsPerAddress  of those, from one source address ({@code MAX_CLIENT_CONNECTIONS_PER_ADDRESS})
 * @param clientLoginTimeout              from accept to a finished start-up ({@code CLIENT_LOGIN_TIMEOUT_SECS}), like
 *                                        PostgreSQL's {@code authentication_timeout}
 * @param maxMessageBytes                 the longest frontend message the gateway reads whole ({@code MAX_MESSAGE_BYTES});
 *                                        a longer one is refused with 08P01 before its body is read
 * @param maxStatementsPerClient          named prepared statements one client may hold ({@code MAX_CLIENT_STATEMENTS}); 53200 beyond
 * @param maxStatementBytesPerClient      their SQL text together ({@code MAX_CLIENT_STATEMENT_BYTES}); 53200 beyond
 * @param httpMaxConnections              open HTTP connections ({@code HTTP_MAX_CONNECTIONS})
 * @param httpRequestTimeout              to receive a whole request, headers and body ({@code HTTP_REQUEST_TIMEOUT_SECS})
 * @param httpIdleTimeout                 an idle keep-alive HTTP connection is closed after it ({@code HTTP_IDLE_TIMEOUT_SECS})
 * @param httpMaxResultBytes              the largest JSON result of {@code /query} and {@code /call} ({@code HTTP_MAX_RESULT_BYTES})
 */
public record Limits(
        int maxClientConnections,
        int maxClientConnectionsPerAddress,
        Duration clientLoginTimeout,
        int maxMessageBytes,
        int maxStatementsPerClient,
        long maxStatementBytesPerClient,
        int httpMaxConnections,
        Duration httpRequestTimeout,
        Duration httpIdleTimeout,
        long httpMaxResultBytes) {

    /** PostgreSQL's own ceiling for a message ({@code PQ_LARGE_MESSAGE_LIMIT}, 1 GB - 1). */
    public static final int PROTOCOL_MAX_MESSAGE_BYTES = 0x3FFF_FFFF;

    public Limits {
        if (maxClientConnectionsPerAddress > maxClientConnections) maxClientConnectionsPerAddress = maxClientConnections;
    }

    /** The documented defaults. */
    public static Limits defaults() {
        return new Limits(10_000, 5_000, Duration.ofSeconds(60), 64 << 20, 10_000, 64L << 20,
                1_000, Duration.ofSeconds(30), Duration.ofSeconds(60), 64L << 20);
    }

    public Limits withClientConnections(int total, int perAddress) {
        return new Limits(total, perAddress, clientLoginTimeout, maxMessageBytes, maxStatementsPerClient, maxStatementBytesPerClient,
                httpMaxConnections, httpRequestTimeout, httpIdleTimeout, httpMaxResultBytes);
    }

    public Limits withClientLoginTimeout(Duration timeout) {
        return new Limits(maxClientConnections, maxClientConnectionsPerAddress, timeout, maxMessageBytes, maxStatementsPerClient,
                maxStatementBytesPerClient, httpMaxConnections, httpRequestTimeout, httpIdleTimeout, httpMaxResultBytes);
    }

    public Limits withMaxMessageBytes(int bytes) {
        return new Limits(maxClientConnections, maxClientConnectionsPerAddress, clientLoginTimeout, bytes, maxStatementsPerClient,
                maxStatementBytesPerClient, httpMaxConnections, httpRequestTimeout, httpIdleTimeout, httpMaxResultBytes);
    }

    public Limits withClientStatements(int count, long bytes) {
        return new Limits(maxClientConnections, maxClientConnectionsPerAddress, clientLoginTimeout, maxMessageBytes, count, bytes,
                httpMaxConnections, httpRequestTimeout, httpIdleTimeout, httpMaxResultBytes);
    }

    public Limits withHttp(int maxConnections, Duration requestTimeout, Duration idleTimeout, long maxResultBytes) {
        return new Limits(maxClientConnections, maxClientConnectionsPerAddress, clientLoginTimeout, maxMessageBytes, maxStatementsPerClient,
                maxStatementBytesPerClient, maxConnections, requestTimeout, idleTimeout, maxResultBytes);
    }
}
