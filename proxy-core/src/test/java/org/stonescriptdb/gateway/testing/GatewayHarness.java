package org.stonescriptdb.gateway.testing;

import org.stonescriptdb.gateway.auth.BackendLogins;
import org.stonescriptdb.gateway.auth.ClientCredentials;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.proxy.GatewayProxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * A {@link GatewayProxy} on a free port in front of {@link TestPostgres}. Every JDBC URL it hands out
 * carries connect, login and socket timeouts, so a proxy bug fails a test instead of hanging the suite.
 */
public final class GatewayHarness implements AutoCloseable {

    /** The client user name; the gateway admits by address, so it is never checked against the backend. */
    public static final String CLIENT_USER = "app";

    private final GatewayConfig config;
    private final GatewayProxy proxy;

    private GatewayHarness(GatewayConfig config, ClientCredentials credentials) throws InterruptedException {
        this.config = config;
        this.proxy = new GatewayProxy(config, config.backend(), BackendLogins.shared(config.backend().login()), credentials);
        boolean started = false;
        try {
            proxy.start();
            started = true;
        } finally {
            if (!started) proxy.close();
        }
    }

    /**
     * The test configuration: loopback only, short connection timeout, session pooling unless the system property
     * {@code gateway.test.poolMode} says {@code transaction} (tests that depend on the mode set it themselves).
     */
    public static GatewayConfig baseConfig() {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("gateway-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BackendTarget backend = TestBackend.target();
        return GatewayConfig.defaults()
                .withBackend(backend)
                .withDataDir(dataDir)
                .withPorts(0, 0)
                // Two loops whatever the machine: the tests keep exercising hand-offs between threads.
                .withIoThreads(2)
                .withAllowedNetworks(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")))
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(5))
                .withPoolMode(PoolMode.valueOf(System.getProperty("gateway.test.poolMode", "session").toUpperCase(Locale.ROOT)));
    }

    public static GatewayHarness start() throws InterruptedException {
        return start(baseConfig());
    }

    public static GatewayHarness start(UnaryOperator<GatewayConfig> customize) throws InterruptedException {
        return start(customize.apply(baseConfig()));
    }

    public static GatewayHarness start(GatewayConfig config) throws InterruptedException {
        return new GatewayHarness(config, ClientCredentials.none());
    }

    /** A gateway whose platforms have these wire credentials (they matter with {@code CLIENT_AUTH=password}). */
    public static GatewayHarness start(UnaryOperator<GatewayConfig> customize, ClientCredentials credentials) throws InterruptedException {
        return new GatewayHarness(customize.apply(baseConfig()), credentials);
    }

    public GatewayProxy proxy() {
        return proxy;
    }

    public GatewayConfig config() {
        return config;
    }

    public int port() {
        return proxy.port();
    }

    /** JDBC URL through the gateway, with timeouts (seconds) that keep a broken proxy from hanging a test. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database
                + "?sslmode=disable&connectTimeout=5&loginTimeout=15&socketTimeout=60";
    }

    public static Properties clientProperties() {
        Properties p = new Properties();
        p.setProperty("user", CLIENT_USER);
        return p;
    }

    public Connection connect(String database) throws SQLException {
        return connect(database, clientProperties());
    }

    public Connection connect(String database, Properties properties) throws SQLException {
        Properties p = new Properties();
        p.putAll(properties);
        p.putIfAbsent("user", CLIENT_USER);
        return DriverManager.getConnection(url(database), p);
    }

    @Override
    public void close() {
        proxy.shutdown(Duration.ofSeconds(2));
        proxy.close();
    }
}
