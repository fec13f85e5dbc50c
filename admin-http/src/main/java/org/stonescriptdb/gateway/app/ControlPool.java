package org.stonescriptdb.gateway.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.stonescriptdb.gateway.config.BackendTarget;

import java.time.Duration;

/**
 * The gateway's own connections to the backend's maintenance database, for catalogue reads,
 * CREATE DATABASE and the health probe. Separate from the proxy's client pools, and small.
 */
public final class ControlPool {

    /** How long a caller waits for a control connection before the backend counts as unreachable. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final int SIZE = 4;

    private ControlPool() {
    }

    public static HikariDataSource create(BackendTarget backend) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("control");
        c.setJdbcUrl(backend.jdbcUrl(backend.maintenanceDatabase()));
        c.setUsername(backend.user());
        c.setPassword(backend.password());
        c.setMaximumPoolSize(SIZE);
        c.setMinimumIdle(1);
        c.setConnectionTimeout(CONNECT_TIMEOUT.toMillis());
        c.setValidationTimeout(Duration.ofSeconds(1).toMillis());
        // Start even when the backend is down: /health must be able to say so.
        c.setInitializationFailTimeout(-1);
        c.addDataSourceProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        c.addDataSourceProperty("ApplicationName", "stonescriptdb-gateway control");
        c.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(c);
    }
}
