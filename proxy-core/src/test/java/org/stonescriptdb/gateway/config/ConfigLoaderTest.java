package org.stonescriptdb.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static GatewayConfig load(String... keyValues) {
        return ConfigLoader.load(env(keyValues), null);
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) env.put(keyValues[i], keyValues[i + 1]);
        return env;
    }

    private static void assertRefused(String expectedFragments, String... keyValues) {
        String[] fragments = expectedFragments.split("\\|");
        assertThatThrownBy(() -> load(keyValues))
                .isInstanceOf(ConfigException.class)
                .message().contains(fragments);
    }

    // ---- defaults ----

    @Test
    void oneEventLoopPerTwoCoresAtLeastOne() {
        assertEquals(1, IoSettings.defaultThreads(1));
        assertEquals(1, IoSettings.defaultThreads(2));
        assertEquals(1, IoSettings.defaultThreads(3));
        assertEquals(4, IoSettings.defaultThreads(8));
    }

    @Test
    void defaults() {
        GatewayConfig c = load();
        assertNull(c.backend());
        assertThat(c.embeddedBackend()).isTrue();
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals("127.0.0.1", c.gatewayHost());
        assertEquals(9000, c.gatewayPort());
        assertEquals(6432, c.proxyPort());
        assertThat(c.allowedNetworks()).containsExactly(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
        assertEquals(10, c.maxConnectionsPerPool());
        assertEquals(200, c.maxTotalConnections());
        assertEquals(50, c.maxPools());
        assertEquals(Duration.ofSeconds(1800), c.poolIdleTimeout());
        assertEquals(Duration.ofSeconds(3600), c.poolMaxLifetime());
        assertEquals(Duration.ofSeconds(5), c.connectionTimeout());
        assertEquals(PoolMode.TRANSACTION, c.poolMode());
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), c.ioThreads());
        assertEquals(Duration.ofSeconds(120), c.queryWaitTimeout());
        assertEquals(IoTransport.AUTO, c.ioTransport());
        assertEquals(0, c.ioSpinMicros());
        assertEquals(true, c.sessionReset());
        assertEquals("info", c.logLevel());
        assertThat(c.apiKeys()).isEmpty();
        assertEquals(c, GatewayConfig.defaults());
    }

    @Test
    void blankValuesCountAsUnset() {
        GatewayConfig c = load("PROXY_PORT", "", "GATEWAY_HOST", "   ", "POOL_MODE", "", "ALLOWED_NETWORKS", " ", "DATABASE_URL", "");
        assertEquals(GatewayConfig.defaults(), c);
    }

    // ---- every variable ----

    @Test
    void everyVariableIsParsed() {
        GatewayConfig c = load(
                "DATA_DIR", "/var/lib/gw",
                "GATEWAY_HOST", "0.0.0.0",
                "GATEWAY_PORT", "0",
                "PROXY_PORT", " 65535 ",
                "ALLOWED_NETWORKS", "10.0.0.0/8, 192.168.1.7 ,fd00::/8,",
                "MAX_CONNECTIONS_PER_POOL", "10000",
                "MAX_TOTAL_CONNECTIONS", "1",
                "MAX_POOLS", "100000",
                "POOL_IDLE_TIMEOUT_SECS", "1",
                "POOL_MAX_LIFETIME_SECS", "31536000",
                "CONNECTION_TIMEOUT_SECS", "30",
                "POOL_MODE", "Session",
                "IO_THREADS", "3",
                "IO_TRANSPORT", "EPOLL",
                "IO_SPIN_MICROS", "100",
                "SESSION_RESET", "Off",
                "LOG_LEVEL", "DEBUG",
                "DB_HOST", "db.internal",
                "DB_PORT", "5433",
                "DB_NAME", "maint",
                "DB_USER", "gw",
                "DB_PASSWORD", "s3cret",
                "API_KEY_ADMIN", "k1",
                "API_KEY_Demo", " k2 ");
        assertEquals(Path.of("/var/lib/gw"), c.dataDir());
        assertEquals("0.0.0.0", c.gatewayHost());
        assertEquals(0, c.gatewayPort());
        assertEquals(65535, c.proxyPort());
        assertThat(c.allowedNetworks()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("192.168.1.7/32"), Cidr.parse("fd00::/8"));
        assertEquals(10000, c.maxConnectionsPerPool());
        assertEquals(1, c.maxTotalConnections());
        assertEquals(100000, c.maxPools());
        assertEquals(Duration.ofSeconds(1), c.poolIdleTimeout());
        assertEquals(Duration.ofSeconds(31_536_000), c.poolMaxLifetime());
        assertEquals(Duration.ofSeconds(30), c.connectionTimeout());
        assertEquals(PoolMode.SESSION, c.poolMode());
        assertEquals(3, c.ioThreads());
        assertEquals(IoTransport.EPOLL, c.ioTransport());
        assertEquals(100, c.ioSpinMicros());
        assertEquals(false, c.sessionReset());
        assertEquals("debug", c.logLevel());
        assertEquals(new BackendTarget("db.internal", 5433, "maint", "gw", "s3cret"), c.backend());
        assertThat(c.apiKeys()).containsExactlyInAnyOrderEntriesOf(Map.of("admin", "k1", "demo", "k2"));
    }

    @Test
    void theVariablesOfAConcernMakeItsPart() {
        GatewayConfig c = load("GATEWAY_HOST", "::", "GATEWAY_PORT", "1", "PROXY_PORT", "2", "ALLOWED_NETWORKS", "10.0.0.0/8",
                "MAX_CONNECTIONS_PER_POOL", "3", "MAX_TOTAL_CONNECTIONS", "4", "MAX_POOLS", "5",
                "POOL_IDLE_TIMEOUT_SECS", "6", "POOL_MAX_LIFETIME_SECS", "7", "CONNECTION_TIMEOUT_SECS", "8", "QUERY_WAIT_TIMEOUT_SECS", "13",
                "POOL_MODE", "session", "SESSION_RESET", "off", "POOL_LINGER_MICROS", "9", "POOL_LINGER_MAX_TRANSACTIONS", "10",
                "IO_THREADS", "11", "IO_TRANSPORT", "nio", "IO_SPIN_MICROS", "12");
        assertEquals(new Listeners("::", 1, 2, List.of(Cidr.parse("10.0.0.0/8"))), c.listeners());
        assertEquals(new PoolSettings(new PoolSizes(3, 4, 5),
                new PoolTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(7), Duration.ofSeconds(8), Duration.ofSeconds(13)),
                PoolMode.SESSION, false, new Linger(Duration.ofNanos(9_000), 10)), c.pooling());
        assertEquals(new IoSettings(11, IoTransport.NIO, 12), c.io());
        GatewayConfig d = GatewayConfig.defaults();
        assertEquals(d.withListeners(c.listeners()).withPooling(c.pooling()).withIo(c.io()), c, "the other parts are the defaults");
    }

    @Test
    void logLevelFallsBackToRustLog() {
        assertEquals("warn", load("RUST_LOG", "warn").logLevel());
        assertEquals("error", load("RUST_LOG", "warn", "LOG_LEVEL", "error").logLevel());
        for (String level : List.of("trace", "debug", "info", "warn", "error", "off")) assertEquals(level, load("LOG_LEVEL", level).logLevel());
    }

    @Test
    void apiKeysIgnoreBareprefixAndBlankValues() {
        GatewayConfig c = load("API_KEY_", "x", "API_KEY_EMPTY", "  ", "API_KEYX", "y", "API_KEY_A", "z");
        assertThat(c.apiKeys()).containsExactlyEntriesOf(Map.of("a", "z"));
    }

    // ---- bad values: the message names the variable, the value and the accepted form ----

    @Test
    void badPorts() {
        for (String port : List.of("GATEWAY_PORT", "PROXY_PORT")) {
            for (String bad : List.of("sixty-four", "-1", "65536", "1.5", "99999999999")) {
                assertRefused(port + " must be a whole number from 0 to 65535|'" + bad + "'", port, bad);
            }
        }
        assertRefused("DB_PORT must be a whole number from 1 to 65535|'0'", "DB_HOST", "h", "DB_PORT", "0");
        assertRefused("DB_PORT must be a whole number from 1 to 65535|'x'", "DB_HOST", "h", "DB_PORT", "x");
    }

    @Test
    void badPoolLimits() {
        assertRefused("MAX_CONNECTIONS_PER_POOL must be a whole number from 1 to 10000|'0'", "MAX_CONNECTIONS_PER_POOL", "0");
        assertRefused("MAX_CONNECTIONS_PER_POOL must be a whole number from 1 to 10000|'10001'", "MAX_CONNECTIONS_PER_POOL", "10001");
        assertRefused("MAX_TOTAL_CONNECTIONS must be a whole number from 1 to 100000|'100001'", "MAX_TOTAL_CONNECTIONS", "100001");
        assertRefused("MAX_TOTAL_CONNECTIONS must be a whole number from 1 to 100000|'ten'", "MAX_TOTAL_CONNECTIONS", "ten");
        assertRefused("MAX_POOLS must be a whole number from 1 to 100000|'-5'", "MAX_POOLS", "-5");
        assertRefused("IO_THREADS must be a whole number from 1 to 1024|'0'", "IO_THREADS", "0");
        assertRefused("IO_TRANSPORT must be 'auto', 'io_uring', 'epoll' or 'nio'|'kqueue'", "IO_TRANSPORT", "kqueue");
        assertRefused("IO_SPIN_MICROS must be a whole number from 0 to 1000000|'-1'", "IO_SPIN_MICROS", "-1");
        assertRefused("IO_SPIN_MICROS must be a whole number from 0 to 1000000|'50us'", "IO_SPIN_MICROS", "50us");
        assertRefused("SESSION_RESET must be on or off|'sometimes'", "SESSION_RESET", "sometimes");
    }

    @Test
    void badDurations() {
        for (String name : List.of("POOL_IDLE_TIMEOUT_SECS", "POOL_MAX_LIFETIME_SECS", "CONNECTION_TIMEOUT_SECS")) {
            assertRefused(name + " must be a whole number from 1 to 31536000|'0'", name, "0");
            assertRefused(name + " must be a whole number from 1 to 31536000|'31536001'", name, "31536001");
            assertRefused(name + " must be a whole number from 1 to 31536000|'5s'", name, "5s");
        }
    }

    @Test
    void badPoolMode() {
        assertRefused("POOL_MODE must be 'transaction' or 'session'|'statement'", "POOL_MODE", "statement");
    }

    @Test
    void badLogLevel() {
        assertRefused("LOG_LEVEL must be one of trace, debug, info, warn, error, off|'verbose'", "LOG_LEVEL", "verbose");
    }

    /**
     * RUST_LOG is read as a fallback; a bad RUST_LOG is reported under its own name, not as LOG_LEVEL (a variable
     * the operator never set).
     */
    @Test
    void badRustLogIsReportedUnderItsOwnName() {
        for (String bad : List.of("verbose", "hyper=warn", "my_crate", "hyper=warn,tower=debug")) {
            assertThatThrownBy(() -> load("RUST_LOG", bad)).isInstanceOf(ConfigException.class)
                    .message().contains("RUST_LOG", "'" + bad + "'").doesNotContain("LOG_LEVEL must");
        }
    }

    /** A Rust-style filter left over from the Rust gateway (a seed .env has RUST_LOG=info) gives its first bare level. */
    @Test
    void rustLogFilterGivesItsFirstBareLevel() {
        assertEquals("info", load("RUST_LOG", "info,hyper=warn").logLevel());
        assertEquals("debug", load("RUST_LOG", "hyper=warn, DEBUG ,tower=trace").logLevel());
        assertEquals("warn", load("RUST_LOG", "my_crate,warn,error").logLevel());
        assertEquals("trace", load("RUST_LOG", "trace/foo").logLevel());
        assertEquals("error", load("RUST_LOG", "info,hyper=warn", "LOG_LEVEL", "error").logLevel(), "LOG_LEVEL wins");
        assertRefused("LOG_LEVEL must be one of trace, debug, info, warn, error, off|'info,hyper=warn'", "LOG_LEVEL", "info,hyper=warn");
    }

    @Test
    void rustLogFromDotEnv() throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "RUST_LOG=info\n");
        assertEquals("info", ConfigLoader.load(Map.of(), file).logLevel());
        Files.writeString(file, "RUST_LOG=\"debug,hyper=warn\"\n");
        assertEquals("debug", ConfigLoader.load(Map.of(), file).logLevel());
    }

    @Test
    void badAllowedNetworks() {
        assertRefused("ALLOWED_NETWORKS must be a comma-separated list of CIDRs such as 10.0.0.0/8,::1/128|'localhost'",
                "ALLOWED_NETWORKS", "127.0.0.1/32,localhost");
        assertRefused("ALLOWED_NETWORKS|prefix length out of range|'10.0.0.0/33'", "ALLOWED_NETWORKS", "10.0.0.0/33");
        assertRefused("ALLOWED_NETWORKS|bad prefix length|'10.0.0.0/x'", "ALLOWED_NETWORKS", "10.0.0.0/x");
        assertRefused("ALLOWED_NETWORKS must name at least one CIDR", "ALLOWED_NETWORKS", " , ,");
    }

    // ---- DATABASE_URL ----

    @Test
    void databaseUrlWithEverything() {
        BackendTarget b = load("DATABASE_URL", "postgres://gw:pw@db.example.com:6543/maint?sslmode=require").backend();
        assertEquals(new BackendTarget("db.example.com", 6543, "maint", "gw", "pw", new BackendSsl(BackendSsl.Mode.REQUIRE, null)), b);
    }

    @Test
    void databaseUrlPercentEncodedCredentials() {
        BackendTarget b = load("DATABASE_URL", "postgresql://g%40w:p%40ss%3Aw%2Frd%25+x@h/db").backend();
        assertEquals("g@w", b.user());
        assertEquals("p@ss:w/rd%+x", b.password(), "percent-decoded, and '+' stays a plus");
    }

    @Test
    void databaseUrlIpv6Host() {
        BackendTarget b = load("DATABASE_URL", "postgres://gw@[::1]:5432/postgres").backend();
        assertEquals("::1", b.host());
        assertEquals(5432, b.port());
        assertEquals("jdbc:postgresql://[::1]:5432/demo_main?sslmode=prefer", b.jdbcUrl("demo_main"));
        assertEquals("fe80::1", load("DATABASE_URL", "postgres://gw@[fe80::1]/x").backend().host());
    }

    @Test
    void backendTlsFromTheUrlOrDbSslmodeDefaultingToPrefer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path root = java.nio.file.Files.writeString(tmp.resolve("root.crt"), "pem");
        assertEquals(new BackendSsl(BackendSsl.Mode.PREFER, null), load("DATABASE_URL", "postgres://gw@h/db").backend().ssl());
        BackendTarget fromUrl = load("DATABASE_URL", "postgres://gw@h/db?sslmode=verify-full&sslrootcert=" + root,
                "DB_SSLMODE", "disable").backend();
        assertEquals(new BackendSsl(BackendSsl.Mode.VERIFY_FULL, root), fromUrl.ssl(), "the URL's own parameters win");
        assertEquals(BackendSsl.Mode.REQUIRE, load("DB_HOST", "h", "DB_SSLMODE", "require").backend().ssl().mode());
        assertEquals(BackendSsl.Mode.VERIFY_CA, load("DATABASE_URL", "postgres://gw@h/db", "DB_SSLMODE", "verify-ca",
                "DB_SSLROOTCERT", root.toString()).backend().ssl().mode());
        assertThatThrownBy(() -> load("DB_HOST", "h", "DB_SSLMODE", "sometimes"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("DB_SSLMODE must be disable, prefer, require, verify-ca or verify-full");
        assertThatThrownBy(() -> load("DB_HOST", "h", "DB_SSLMODE", "verify-ca", "DB_SSLROOTCERT", tmp.resolve("missing.crt").toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }

    @Test
    void clientAuthenticationAndPlatformNetworks() throws Exception {
        assertEquals(ClientAuth.addressOnly(), load().clientAuth(), "the address alone by default");
        assertEquals(ClientAuth.Mode.PASSWORD, load("CLIENT_AUTH", "password").clientAuth().mode());
        assertEquals(ClientAuth.Mode.PASSWORD, load("CLIENT_AUTH", "SCRAM-SHA-256").clientAuth().mode());
        assertThatThrownBy(() -> load("CLIENT_AUTH", "md5")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("CLIENT_AUTH must be address or password, got 'md5'");
        ClientAuth fenced = load("ALLOWED_NETWORKS_ACME", "10.0.0.0/8, 192.168.1.5", "ALLOWED_NETWORKS", "0.0.0.0/0").clientAuth();
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("192.168.1.5")), fenced.platformNetworks().get("acme"));
        assertEquals(true, fenced.admits("acme", java.net.InetAddress.getByName("10.1.2.3")));
        assertEquals(false, fenced.admits("acme", java.net.InetAddress.getByName("127.0.0.1")));
        assertEquals(true, fenced.admits("other", java.net.InetAddress.getByName("127.0.0.1")), "a platform without networks of its own");
        assertThatThrownBy(() -> load("ALLOWED_NETWORKS_ACME", "10.0.0.0/99")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ALLOWED_NETWORKS_ACME must be a comma-separated list of CIDRs");
        assertThatThrownBy(() -> load("ALLOWED_NETWORKS_A_B", "10.0.0.0/8")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ALLOWED_NETWORKS_A_B names no platform");
        assertEquals(Map.of(), load("ALLOWED_NETWORKS_ACME", " ").clientAuth().platformNetworks(), "a blank value is no value");
    }

    @Test
    void clientTlsSettings(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        assertEquals(TlsSettings.off(), load().tls());
        TlsSettings t = load("TLS_MODE", "require", "TLS_CERT_FILE", tmp.resolve("c.pem").toString(), "TLS_KEY_FILE", tmp.resolve("k.pem").toString()).tls();
        assertEquals(TlsMode.REQUIRE, t.mode());
        assertThatThrownBy(() -> load("TLS_MODE", "allow")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("TLS_MODE=allow needs TLS_CERT_FILE and TLS_KEY_FILE");
        assertThatThrownBy(() -> load("TLS_MODE", "maybe")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("TLS_MODE must be off, allow or require");
        assertEquals(null, load().tls().https(), "plain HTTP unless asked");
        assertEquals(new TlsSettings.Https(tmp.resolve("c.pem"), tmp.resolve("k.pem")), load("HTTP_TLS", "on",
                "TLS_CERT_FILE", tmp.resolve("c.pem").toString(), "TLS_KEY_FILE", tmp.resolve("k.pem").toString()).tls().https(),
                "the proxy's certificate unless the side-port has its own");
        assertEquals(new TlsSettings.Https(tmp.resolve("h.pem"), tmp.resolve("hk.pem")), load("HTTP_TLS", "on",
                "HTTP_TLS_CERT_FILE", tmp.resolve("h.pem").toString(), "HTTP_TLS_KEY_FILE", tmp.resolve("hk.pem").toString()).tls().https());
        assertThatThrownBy(() -> load("HTTP_TLS", "on")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("HTTP_TLS=on needs a certificate and key");
    }

    @Test
    void databaseUrlDefaults() {
        assertEquals(new BackendTarget("h", 5432, "postgres", "postgres", ""), load("DATABASE_URL", "postgres://h").backend());
        assertEquals(new BackendTarget("h", 5432, "postgres", "postgres", ""), load("DATABASE_URL", "postgres://h/").backend());
        assertEquals(new BackendTarget("h", 5432, "d", "u", ""), load("DATABASE_URL", "postgres://u@h/d").backend());
        assertEquals(new BackendTarget("h", 7, "postgres", "u", "p"), load("DATABASE_URL", "postgres://u:p@h:7").backend());
    }

    @Test
    void databaseUrlWinsOverDbVariables() {
        BackendTarget b = load("DATABASE_URL", "postgres://u:p@url-host/d", "DB_HOST", "other", "DB_PORT", "1").backend();
        assertEquals("url-host", b.host());
    }

    @Test
    void badDatabaseUrls() {
        String form = "DATABASE_URL must look like postgres://user:password@host:5432/postgres";
        assertRefused(form + "|scheme 'mysql'", "DATABASE_URL", "mysql://u:p@h/d");
        assertRefused(form + "|no host", "DATABASE_URL", "postgres:///d");
        assertRefused(form + "|percent-encoded|unparsable", "DATABASE_URL", "postgres://u:p w@h/d");
        assertRefused(form + "|port out of range: 99999", "DATABASE_URL", "postgres://u:p@h:99999/d");
        assertRefused(form + "|user is empty", "DATABASE_URL", "postgres://:p@h/d");
        assertRefused(form, "DATABASE_URL", "just-a-word");
    }

    @Test
    void unencodedAtSignInPasswordIsRefusedNotMisparsed() {
        assertRefused("DATABASE_URL must look like", "DATABASE_URL", "postgres://u:p@ss@h/d");
    }

    @Test
    void toStringNeverShowsThePassword() {
        BackendTarget b = load("DATABASE_URL", "postgres://u:topsecret@h/d").backend();
        assertThat(b.toString()).doesNotContain("topsecret").contains("u@h:5432/d");
    }

    // ---- DB_* ----

    @Test
    void dbVariablesNeedDbHost() {
        assertNull(load("DB_PORT", "5433", "DB_USER", "x", "DB_PASSWORD", "y").backend());
        assertEquals(new BackendTarget("h", 5432, "postgres", "postgres", ""), load("DB_HOST", "h").backend());
        assertEquals(new BackendTarget("::1", 5432, "postgres", "postgres", ""), load("DB_HOST", "::1").backend());
    }

    // ---- .env ----

    @Test
    void dotEnvIsReadAndTheEnvironmentWins() throws IOException {
        Path file = dir.resolve(".env");
        Files.writeString(file, String.join("\n",
                "# a comment",
                "",
                "PROXY_PORT=7000",
                "export GATEWAY_PORT = 7001",
                "GATEWAY_HOST=\"0.0.0.0\"",
                "DATA_DIR='/srv/gw data'",
                "   # indented comment",
                "LOG_LEVEL=warn",
                "API_KEY_ADMIN=from-file",
                "DB_PASSWORD=\"\"",
                "DB_HOST=file-host\r"));
        GatewayConfig c = ConfigLoader.load(Map.of("LOG_LEVEL", "error", "API_KEY_ADMIN", "from-env"), file);
        assertEquals(7000, c.proxyPort());
        assertEquals(7001, c.gatewayPort());
        assertEquals("0.0.0.0", c.gatewayHost());
        assertEquals(Path.of("/srv/gw data"), c.dataDir());
        assertEquals("error", c.logLevel(), "the environment wins over .env");
        assertEquals(Map.of("admin", "from-env"), c.apiKeys());
        assertEquals("file-host", c.backend().host());
        assertEquals("", c.backend().password());
    }

    @Test
    void aMalformedDotEnvLineStopsLoadingNamingTheLine() throws IOException {
        Path file = dir.resolve(".env");
        Files.writeString(file, "PROXY_PORT=7000\nnot a pair\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("PROXY_PORT", "7001"), file))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(file + " line 2 has no '='");
    }

    @Test
    void mismatchedQuotesAreKept() throws IOException {
        Path file = dir.resolve(".env");
        Files.writeString(file, "POOL_MODE=\"session'\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), file))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'\"session''");
    }

    @Test
    void dotEnvValuesAreValidatedLikeEnvironmentValues() throws IOException {
        Path file = dir.resolve(".env");
        Files.writeString(file, "PROXY_PORT=sixty-four\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), file))
                .isInstanceOf(ConfigException.class)
                .hasMessage("PROXY_PORT must be a whole number from 0 to 65535, got 'sixty-four'");
    }

    @Test
    void missingDotEnvIsFine() {
        assertEquals(GatewayConfig.defaults(), ConfigLoader.load(Map.of(), dir.resolve("absent.env")));
        assertEquals(GatewayConfig.defaults(), ConfigLoader.load(Map.of(), dir), "a directory is not a .env file");
    }

    // ---- GatewayConfig ----

    @Test
    void withersReplaceOneAspect() {
        GatewayConfig d = GatewayConfig.defaults();
        BackendTarget b = new BackendTarget("h", 1, "m", "u", "p");
        assertEquals(b, d.withBackend(b).backend());
        assertEquals(List.of(1, 2), List.of(d.withPorts(1, 2).gatewayPort(), d.withPorts(1, 2).proxyPort()));
        assertEquals(PoolMode.SESSION, d.withPoolMode(PoolMode.SESSION).poolMode());
        assertEquals(1, d.withIoThreads(1).ioThreads());
        assertEquals(IoTransport.NIO, d.withIoTransport(IoTransport.NIO).ioTransport());
        assertEquals(75, d.withIoSpinMicros(75).ioSpinMicros());
        assertEquals(false, d.withSessionReset(false).sessionReset());
        assertEquals(d, d.withPoolMode(PoolMode.SESSION).withPoolMode(PoolMode.TRANSACTION));
        assertThatThrownBy(() -> d.allowedNetworks().add(Cidr.parse("1.2.3.4"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void backendTargetValidation() {
        assertThatThrownBy(() -> new BackendTarget(" ", 5432, "d", "u", "p")).hasMessageContaining("host is empty");
        assertThatThrownBy(() -> new BackendTarget("h", 0, "d", "u", "p")).hasMessageContaining("port out of range: 0");
        assertThatThrownBy(() -> new BackendTarget("h", 1, "d", "", "p")).hasMessageContaining("user is empty");
        assertEquals("", new BackendTarget("h", 1, "d", "u", null).password());
        assertEquals(2, new BackendTarget("h", 1, "d", "u", "p").withPort(2).port());
    }

    // ---- limits ----

    @Test
    void limitsHaveTheDocumentedDefaults() {
        assertEquals(Limits.defaults(), load().limits());
        assertEquals(10_000, load().limits().maxClientConnections());
        assertEquals(Duration.ofSeconds(60), load().limits().clientLoginTimeout());
    }

    @Test
    void limitsAreRead() {
        Limits l = load("MAX_CLIENT_CONNECTIONS", "300", "MAX_CLIENT_CONNECTIONS_PER_ADDRESS", "20", "CLIENT_LOGIN_TIMEOUT_SECS", "7",
                "MAX_MESSAGE_BYTES", "4096", "MAX_CLIENT_STATEMENTS", "5", "MAX_CLIENT_STATEMENT_BYTES", "2048",
                "HTTP_MAX_CONNECTIONS", "9", "HTTP_REQUEST_TIMEOUT_SECS", "3", "HTTP_IDLE_TIMEOUT_SECS", "4", "HTTP_MAX_RESULT_BYTES", "8192").limits();
        assertEquals(new Limits(300, 20, Duration.ofSeconds(7), 4096, 5, 2048, 9, Duration.ofSeconds(3), Duration.ofSeconds(4), 8192), l);
    }

    @Test
    void aSmallTotalCapsThePerAddressDefault() {
        assertEquals(100, load("MAX_CLIENT_CONNECTIONS", "100").limits().maxClientConnectionsPerAddress());
    }

    @Test
    void badLimitsAreRefusedByName() {
        assertRefused("MAX_CLIENT_CONNECTIONS_PER_ADDRESS (50) must not exceed MAX_CLIENT_CONNECTIONS (10)",
                "MAX_CLIENT_CONNECTIONS", "10", "MAX_CLIENT_CONNECTIONS_PER_ADDRESS", "50");
        assertRefused("MAX_MESSAGE_BYTES must be a whole number from 1024 to 1073741823", "MAX_MESSAGE_BYTES", "2000000000");
        assertRefused("CLIENT_LOGIN_TIMEOUT_SECS", "CLIENT_LOGIN_TIMEOUT_SECS", "0");
    }
}
