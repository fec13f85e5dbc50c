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
 */
public record TlsSettings(TlsMode mode, Path certFile, Path keyFile, Path clientCaFile) {

    public TlsSettings {
        Objects.requireNonNull(mode, "mode");
        if (mode != TlsMode.OFF && (certFile == null || keyFile == null)) {
            throw new ConfigException("TLS_MODE=" + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + " needs TLS_CERT_FILE and TLS_KEY_FILE (PEM files: the certificate chain and its private key)");
        }
    }

    /** No TLS: today's default. */
    public static TlsSettings off() {
        return new TlsSettings(TlsMode.OFF, null, null, null);
    }

    public boolean enabled() {
        return mode != TlsMode.OFF;
    }
}
