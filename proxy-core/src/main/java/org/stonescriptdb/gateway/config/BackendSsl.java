package org.stonescriptdb.gateway.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * TLS from the gateway to PostgreSQL, as libpq's {@code sslmode} and {@code sslrootcert} say it ({@code DB_SSLMODE},
 * {@code DB_SSLROOTCERT}, or the same parameters of {@code DATABASE_URL}). Applies to the proxy's pools, its catalogue
 * look-ups and the side-port's JDBC pools alike.
 *
 * @param mode     how much TLS is asked for and checked
 * @param rootCert the authorities the server's certificate must chain to (PEM) for {@code verify-ca} and
 *                 {@code verify-full}; null: the JDK's default trust store
 */
public record BackendSsl(Mode mode, Path rootCert) {

    /** libpq's modes, in increasing strength. */
    public enum Mode {
        /** Plaintext only. */
        DISABLE,
        /** TLS when the server offers it, not checked; else plaintext (libpq's default). */
        PREFER,
        /** TLS or no connection; the certificate not checked. */
        REQUIRE,
        /** TLS, the certificate chained to a trusted authority. */
        VERIFY_CA,
        /** As {@link #VERIFY_CA}, and the certificate names the host connected to. */
        VERIFY_FULL;

        /** The name as libpq writes it. */
        public String libpqName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses libpq's names ({@code allow} is taken as {@code prefer}); null for anything else. */
        public static Mode parse(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "disable" -> DISABLE;
                case "allow", "prefer" -> PREFER;
                case "require" -> REQUIRE;
                case "verify-ca" -> VERIFY_CA;
                case "verify-full" -> VERIFY_FULL;
                default -> null;
            };
        }
    }

    /** libpq's default: TLS if the server offers it. */
    public static final BackendSsl PREFER = new BackendSsl(Mode.PREFER, null);

    public BackendSsl {
        Objects.requireNonNull(mode, "mode");
    }

    /** Whether the server's certificate is checked against trusted authorities. */
    public boolean verifies() {
        return mode == Mode.VERIFY_CA || mode == Mode.VERIFY_FULL;
    }

    /** The pgjdbc URL parameters that ask the same of the side-port's JDBC connections. */
    public String jdbcParameters() {
        StringBuilder sb = new StringBuilder("sslmode=").append(mode.libpqName());
        if (rootCert != null) sb.append("&sslrootcert=").append(java.net.URLEncoder.encode(rootCert.toString(), java.nio.charset.StandardCharsets.UTF_8));
        return sb.toString();
    }
}
