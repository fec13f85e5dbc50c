package org.stonescriptdb.gateway.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS for the wire clients of the proxy port.
 *
 * @param mode         off, allow or require ({@code TLS_MODE})
 * @param certFile     the server's certificate chain, PEM, leaf first ({@code TLS_CERT_FILE}); null when off
 * @param keyFile      its private key, PEM, PKCS#8 unencrypted ({@code TLS_KEY_FILE}); null when off
 * @param clientCaFile certificates of the authorities a client's certificate must chain to, PEM; when set, every TLS
 *                     client must present one ({@code TLS_CLIENT_CA_FILE}); null: none asked for
 * @param https        HTTPS on the side-port ({@code HTTP_TLS}): null for plain HTTP; else its certificate and key
 *                     ({@code HTTP_TLS_CERT_FILE}/{@code HTTP_TLS_KEY_FILE}, the proxy's when not given)
 */
public record TlsSettings(TlsMode mode, Path certFile, Path keyFile, Path clientCaFile, Https https) {

    /** The side-port's certificate and key. */
    public record Https(Path certFile, Path keyFile) {
        public Https {
            if (certFile == null || keyFile == null) {
                throw new ConfigException("HTTP_TLS=on needs a certificate and key: HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE, "
                        + "or the proxy's TLS_CERT_FILE and TLS_KEY_FILE");
            }
        }
    }

    /** Plain HTTP on the side-port. */
    public TlsSettings(TlsMode mode, Path certFile, Path keyFile, Path clientCaFile) {
        this(mode, certFile, keyFile, clientCaFile, null);
    }

    public TlsSettings {
        Objects.requireNonNull(mode, "mode");
        if (mode != TlsMode.OFF && (certFile == null || keyFile == null)) {
            throw new ConfigException("TLS_MODE=" + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + " needs TLS_CERT_FILE and TLS_KEY_FILE (PEM files: the certificate chain and its private key)");
        }
    }

    /** No TLS: today's default. */
    public static TlsSettings off() {
        return new TlsSettings(TlsMode.OFF, null, null, null, null);
    }

    public boolean enabled() {
        return mode != TlsMode.OFF;
    }
}
