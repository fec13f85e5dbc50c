package org.stonescriptdb.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads {@link GatewayConfig} from environment variables, with a {@code .env} file ({@link DotEnv}) as fallback
 * (real environment variables win). Every bad value fails with a {@link ConfigException} whose
 * message names the variable, the value and the accepted form.
 */
public final class ConfigLoader {

    private static final String API_KEY_PREFIX = "API_KEY_";
    private static final String PLATFORM_NETWORKS_PREFIX = "ALLOWED_NETWORKS_";
    private static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

    private ConfigLoader() {
    }

    /** Loads from {@code environment} and, for what it does not set, {@code dotEnv} (none if null or absent). */
    public static GatewayConfig load(Map<String, String> environment, Path dotEnv) {
        return load(DotEnv.withEnvironment(environment, dotEnv));
    }

    /** Loads from variables already gathered ({@link DotEnv#withEnvironment}). */
    public static GatewayConfig load(Map<String, String> vars) {
        return new Reader(vars).read();
    }

    private record Reader(Map<String, String> vars) {

        GatewayConfig read() {
            return new GatewayConfig(backend(), Path.of(string("DATA_DIR", "./data")), listeners(), pooling(), io(), limits(),
                    tls(), logLevel(), apiKeys(), clientAuth());
        }

        private Listeners listeners() {
            return new Listeners(string("GATEWAY_HOST", "127.0.0.1"), port("GATEWAY_PORT", 9000), port("PROXY_PORT", 6432),
                    networks("ALLOWED_NETWORKS", "127.0.0.0/8,::1/128"));
        }

        private PoolSettings pooling() {
            PoolSizes sizes = new PoolSizes(
                    integer("MAX_CONNECTIONS_PER_POOL", 10, 1, 10_000),
                    integer("MAX_TOTAL_CONNECTIONS", 200, 1, 100_000),
                    integer("MAX_POOLS", 50, 1, 100_000));
            PoolTimeouts timeouts = new PoolTimeouts(
                    seconds("POOL_IDLE_TIMEOUT_SECS", 1800),
                    seconds("POOL_MAX_LIFETIME_SECS", 3600),
                    seconds("CONNECTION_TIMEOUT_SECS", 5),
                    seconds("QUERY_WAIT_TIMEOUT_SECS", PoolTimeouts.DEFAULT_QUERY_WAIT_SECS));
            return new PoolSettings(sizes, timeouts, poolMode(), onOff("SESSION_RESET", true), linger());
        }

        private IoSettings io() {
            return new IoSettings(
                    integer("IO_THREADS", IoSettings.defaultThreads(Runtime.getRuntime().availableProcessors()), 1, 1024),
                    ioTransport(),
                    integer("IO_SPIN_MICROS", 0, 0, 1_000_000));
        }

        private TlsSettings tls() {
            String v = string("TLS_MODE", "off").toLowerCase(Locale.ROOT);
            TlsMode mode = switch (v) {
                case "off", "disable", "disabled" -> TlsMode.OFF;
                case "allow", "allowed", "prefer" -> TlsMode.ALLOW;
                case "require", "required" -> TlsMode.REQUIRE;
                default -> throw new ConfigException("TLS_MODE must be off, allow or require, got '" + v + "'");
            };
            Path cert = file("TLS_CERT_FILE");
            Path key = file("TLS_KEY_FILE");
            TlsSettings.Https https = onOff("HTTP_TLS", false)
                    ? new TlsSettings.Https(orElse(file("HTTP_TLS_CERT_FILE"), cert), orElse(file("HTTP_TLS_KEY_FILE"), key))
                    : null;
            return new TlsSettings(mode, cert, key, file("TLS_CLIENT_CA_FILE"), https);
        }

        private static Path orElse(Path p, Path fallback) {
            return p != null ? p : fallback;
        }

        private Path file(String name) {
            String v = value(name);
            return v == null ? null : Path.of(v);
        }

        private Linger linger() {
            Linger d = Linger.defaults();
            return new Linger(Duration.ofNanos(1_000L * integer("POOL_LINGER_MICROS", (int) (d.window().toNanos() / 1_000), 0, 1_000_000)),
                    integer("POOL_LINGER_MAX_TRANSACTIONS", d.maxTransactions(), 0, 1_000_000));
        }

        private Limits limits() {
            Limits d = Limits.defaults();
            int total = integer("MAX_CLIENT_CONNECTIONS", d.maxClientConnections(), 1, 1_000_000);
            int perAddress = integer("MAX_CLIENT_CONNECTIONS_PER_ADDRESS", Math.min(total, d.maxClientConnectionsPerAddress()), 1, 1_000_000);
            if (perAddress > total) {
                throw new ConfigException("MAX_CLIENT_CONNECTIONS_PER_ADDRESS (" + perAddress + ") must not exceed MAX_CLIENT_CONNECTIONS (" + total + ")");
            }
            return new Limits(total, perAddress,
                    seconds("CLIENT_LOGIN_TIMEOUT_SECS", (int) d.clientLoginTimeout().toSeconds()),
                    integer("MAX_MESSAGE_BYTES", d.maxMessageBytes(), 1024, Limits.PROTOCOL_MAX_MESSAGE_BYTES),
                    integer("MAX_CLIENT_STATEMENTS", d.maxStatementsPerClient(), 1, 10_000_000),
                    integer("MAX_CLIENT_STATEMENT_BYTES", (int) d.maxStatementBytesPerClient(), 1024, Integer.MAX_VALUE),
                    integer("HTTP_MAX_CONNECTIONS", d.httpMaxConnections(), 1, 1_000_000),
                    seconds("HTTP_REQUEST_TIMEOUT_SECS", (int) d.httpRequestTimeout().toSeconds()),
                    seconds("HTTP_IDLE_TIMEOUT_SECS", (int) d.httpIdleTimeout().toSeconds()),
                    integer("HTTP_MAX_RESULT_BYTES", (int) d.httpMaxResultBytes(), 1024, Integer.MAX_VALUE));
        }

        private String value(String name) {
            String v = vars.get(name);
            return v == null || v.isBlank() ? null : v.strip();
        }

        private String string(String name, String fallback) {
            String v = value(name);
            return v == null ? fallback : v;
        }

        private int integer(String name, int fallback, int min, int max) {
            String v = value(name);
            if (v == null) return fallback;
            try {
                int n = Integer.parseInt(v);
                if (n >= min && n <= max) return n;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new ConfigException(name + " must be a whole number from " + min + " to " + max + ", got '" + v + "'");
        }

        private boolean onOff(String name, boolean fallback) {
            String v = value(name);
            if (v == null) return fallback;
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "on", "true", "yes", "1" -> true;
                case "off", "false", "no", "0" -> false;
                default -> throw new ConfigException(name + " must be on or off, got '" + v + "'");
            };
        }

        private int port(String name, int fallback) {
            // 0 asks the OS for a free port (used by tests).
            return integer(name, fallback, 0, 65535);
        }

        private Duration seconds(String name, int fallback) {
            return Duration.ofSeconds(integer(name, fallback, 1, 31_536_000));
        }

        private List<Cidr> networks(String name, String fallback) {
            String v = string(name, fallback);
            List<Cidr> out = new ArrayList<>();
            for (String part : v.split(",")) {
                if (part.isBlank()) continue;
                try {
                    out.add(Cidr.parse(part));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name + " must be a comma-separated list of CIDRs such as 10.0.0.0/8,::1/128; "
                            + e.getMessage());
                }
            }
            if (out.isEmpty()) throw new ConfigException(name + " must name at least one CIDR such as 127.0.0.1/32");
            return out;
        }

        private PoolMode poolMode() {
            String v = string("POOL_MODE", "transaction");
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "session" -> PoolMode.SESSION;
                case "transaction" -> PoolMode.TRANSACTION;
                default -> throw new ConfigException("POOL_MODE must be 'transaction' or 'session', got '" + v + "'");
            };
        }

        private IoTransport ioTransport() {
            String v = string("IO_TRANSPORT", "auto");
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "auto" -> IoTransport.AUTO;
                case "io_uring" -> IoTransport.IO_URING;
                case "epoll" -> IoTransport.EPOLL;
                case "nio" -> IoTransport.NIO;
                default -> throw new ConfigException("IO_TRANSPORT must be 'auto', 'io_uring', 'epoll' or 'nio', got '" + v + "'");
            };
        }

        private String logLevel() {
            String v = value("LOG_LEVEL");
            if (v != null) {
                String level = v.toLowerCase(Locale.ROOT);
                if (LOG_LEVELS.contains(level)) return level;
                throw new ConfigException("LOG_LEVEL must be one of " + String.join(", ", LOG_LEVELS) + "; got '" + v + "'");
            }
            String rust = value("RUST_LOG");
            if (rust == null) return "info";
            // A Rust log filter: comma-separated directives such as "info,hyper=warn"; a directive that is just a
            // level sets the default, the others name a target (with or without "=level"). The first bare level wins.
            for (String directive : rust.split(",")) {
                String d = directive.strip();
                int slash = d.indexOf('/');
                if (slash >= 0) d = d.substring(0, slash).strip();
                String level = d.toLowerCase(Locale.ROOT);
                if (LOG_LEVELS.contains(level)) return level;
            }
            throw new ConfigException("RUST_LOG must be one of " + String.join(", ", LOG_LEVELS)
                    + ", or a filter with such a level in it, such as info,hyper=warn (or set LOG_LEVEL instead); got '" + rust + "'");
        }

        private ClientAuth clientAuth() {
            String v = string("CLIENT_AUTH", "address").toLowerCase(Locale.ROOT);
            ClientAuth.Mode mode = switch (v) {
                case "address" -> ClientAuth.Mode.ADDRESS;
                case "password", "scram", "scram-sha-256" -> ClientAuth.Mode.PASSWORD;
                default -> throw new ConfigException("CLIENT_AUTH must be address or password, got '" + v + "'");
            };
            Map<String, List<Cidr>> networks = new TreeMap<>();
            for (String name : vars.keySet()) {
                if (!name.startsWith(PLATFORM_NETWORKS_PREFIX) || value(name) == null) continue;
                String platform = name.substring(PLATFORM_NETWORKS_PREFIX.length()).toLowerCase(Locale.ROOT);
                if (!platform.matches("[a-z][a-z0-9]{1,30}")) {
                    throw new ConfigException(name + " names no platform: the part after ALLOWED_NETWORKS_ must be a platform name"
                            + " (a letter, then 1 to 30 letters or digits)");
                }
                networks.put(platform, networks(name, null));
            }
            return new ClientAuth(mode, networks);
        }

        private Map<String, String> apiKeys() {
            Map<String, String> keys = new TreeMap<>();
            vars.forEach((k, v) -> {
                if (k.startsWith(API_KEY_PREFIX) && k.length() > API_KEY_PREFIX.length() && v != null && !v.isBlank()) {
                    keys.put(k.substring(API_KEY_PREFIX.length()).toLowerCase(Locale.ROOT), v.strip());
                }
            });
            return keys;
        }

        private BackendTarget backend() {
            String url = value("DATABASE_URL");
            if (url != null) return fromUrl(url);
            if (value("DB_HOST") == null) return null;
            // Port 0 means "any free port" only for the gateway's own listeners, never for the backend.
            return new BackendTarget(value("DB_HOST"), integer("DB_PORT", 5432, 1, 65535), string("DB_NAME", "postgres"),
                    string("DB_USER", "postgres"), string("DB_PASSWORD", ""), backendSsl(null, null));
        }

        /**
         * TLS to the backend: {@code sslmode} and {@code sslrootcert} of DATABASE_URL when it has them, else
         * DB_SSLMODE and DB_SSLROOTCERT; libpq's default (prefer) when neither says.
         */
        private BackendSsl backendSsl(String urlMode, String urlRootCert) {
            String name = urlMode != null ? "sslmode of DATABASE_URL" : "DB_SSLMODE";
            String v = urlMode != null ? urlMode : value("DB_SSLMODE");
            BackendSsl.Mode mode = v == null ? BackendSsl.Mode.PREFER : BackendSsl.Mode.parse(v);
            if (mode == null) {
                throw new ConfigException(name + " must be disable, prefer, require, verify-ca or verify-full, got '" + v + "'");
            }
            String root = urlRootCert != null ? urlRootCert : value("DB_SSLROOTCERT");
            Path rootCert = root == null ? null : Path.of(root);
            if (rootCert != null && !java.nio.file.Files.isReadable(rootCert)) {
                throw new ConfigException((urlRootCert != null ? "sslrootcert of DATABASE_URL " : "DB_SSLROOTCERT ") + root
                        + " does not exist or cannot be read");
            }
            return new BackendSsl(mode, rootCert);
        }

        private BackendTarget fromUrl(String url) {
            String form = "DATABASE_URL must look like postgres://user:password@host:5432/postgres";
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new ConfigException(form + " (special characters in the password percent-encoded); got an unparsable URL");
            }
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("postgres") || scheme.equals("postgresql")) || uri.getHost() == null) {
                throw new ConfigException(form + "; got scheme '" + scheme + "'" + (uri.getHost() == null ? " and no host" : ""));
            }
            String user = "postgres";
            String password = "";
            String userInfo = uri.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
                password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
            }
            String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
            int port = uri.getPort() < 0 ? 5432 : uri.getPort();
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
            Map<String, String> query = new java.util.HashMap<>();
            if (uri.getRawQuery() != null) {
                for (String pair : uri.getRawQuery().split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) query.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                }
            }
            BackendSsl ssl = backendSsl(query.get("sslmode"), query.get("sslrootcert"));
            try {
                return new BackendTarget(host, port, path.isEmpty() ? "postgres" : path, user, password, ssl);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(form + "; " + e.getMessage());
            }
        }

        private static String decode(String s) {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }
}
