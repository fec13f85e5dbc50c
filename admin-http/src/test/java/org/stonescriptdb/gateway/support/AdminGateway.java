package org.stonescriptdb.gateway.support;

import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

/**
 * A gateway on the shared test PostgreSQL with an admin key, on free ports, as most HTTP API tests need it; and the
 * superuser's view of the databases, to check what a request did there.
 */
public final class AdminGateway implements AutoCloseable {

    public static final String ADMIN_KEY = "admin-key-for-tests";

    private final GatewayApplication app;
    private final BackendTarget backend;

    private AdminGateway(GatewayApplication app, BackendTarget backend) {
        this.app = app;
        this.backend = backend;
    }

    public static AdminGateway start() throws Exception {
        BackendTarget backend = TestBackend.target();
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY), null)
                .withBackend(backend);
        return new AdminGateway(GatewayApplication.start(config), backend);
    }

    public int httpPort() {
        return app.httpPort();
    }

    /** The HTTP side-port with the admin key. */
    public Http admin() {
        return new Http(app.httpPort(), ADMIN_KEY);
    }

    /** The HTTP side-port with another key (or a wrong one). */
    public Http withKey(String key) {
        return new Http(app.httpPort(), key);
    }

    /** Runs {@code sql} in {@code database} as the superuser, outside the gateway. */
    public void superuser(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of the first row of {@code sql} in {@code database}, read as the superuser. */
    public String queryOne(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(backend.jdbcUrl(database), backend.user(), backend.password());
    }

    @Override
    public void close() {
        app.stop(Duration.ZERO);
    }
}
