package org.stonescriptdb.gateway.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.stonescriptdb.gateway.config.BackendSsl;
import org.stonescriptdb.gateway.config.ConfigException;

import javax.net.ssl.SSLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client-side TLS contexts for backend connections, one per {@link BackendSsl}, built when the connector is made
 * (reading the root certificate is file I/O, kept off the event loops). {@code prefer} and {@code require} encrypt
 * without checking the certificate, as libpq does without a root certificate; {@code verify-ca} checks the chain
 * against {@code sslrootcert} (or the JDK's trust store); {@code verify-full} also checks that the certificate names
 * the host.
 */
public final class BackendTlsContexts {

    private final Map<BackendSsl, SslContext> contexts = new ConcurrentHashMap<>();

    /** @param settings the TLS settings of every server the gateway may connect to */
    public BackendTlsContexts(List<BackendSsl> settings) {
        for (BackendSsl s : settings) {
            if (s.mode() != BackendSsl.Mode.DISABLE) contexts.computeIfAbsent(s, BackendTlsContexts::build);
        }
    }

    /** The context for {@code ssl}; null for {@code disable}. */
    public SslContext forSettings(BackendSsl ssl) {
        if (ssl.mode() == BackendSsl.Mode.DISABLE) return null;
        return contexts.computeIfAbsent(ssl, BackendTlsContexts::build);
    }

    private static SslContext build(BackendSsl ssl) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .endpointIdentificationAlgorithm(ssl.mode() == BackendSsl.Mode.VERIFY_FULL ? "HTTPS" : null);
            if (!ssl.verifies()) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (ssl.rootCert() != null) {
                builder.trustManager(ssl.rootCert().toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("cannot use the backend's sslrootcert " + ssl.rootCert() + ": " + e.getMessage()
                    + " (a PEM file of the authorities the server's certificate chains to is needed)");
        }
    }
}
