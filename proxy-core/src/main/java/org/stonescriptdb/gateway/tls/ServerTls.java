package org.stonescriptdb.gateway.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.stonescriptdb.gateway.config.ConfigException;
import org.stonescriptdb.gateway.config.TlsSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The proxy port's TLS: the server context built from the PEM files of {@link TlsSettings}, TLS 1.2 and 1.3 only, ALPN
 * {@code postgresql} (what PostgreSQL 17's direct TLS requires of a client, and accepts in the negotiated kind), and
 * client certificates required when a CA file is given. {@link #reloadIfChanged()} rebuilds it when a file changed, so
 * a renewed certificate is served to new connections without a restart; a broken renewal keeps the previous one (and
 * says so in the log). Connections already open keep the context they began with.
 */
public final class ServerTls {

    /** The ALPN protocol name PostgreSQL uses. */
    public static final String ALPN_POSTGRESQL = "postgresql";

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /**
     * BoringSSL (netty-tcnative) where its native library loads — Linux on x86-64, which the build ships — else the
     * JDK's TLS (also with {@code -Dgateway.tls.provider=jdk}, to compare the two in bench/run).
     */
    static final SslProvider PROXY_PROVIDER = !"jdk".equals(System.getProperty("gateway.tls.provider"))
            && io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

    /** Which TLS implementation serves the proxy port: for the start-up log line. */
    public static String implementation() {
        return PROXY_PROVIDER == SslProvider.OPENSSL ? io.netty.handler.ssl.OpenSsl.versionString() : "JDK " + Runtime.version().feature();
    }

    private final ReloadingContext<SslContext> context;
    /** When the certificate served now stops being valid (its leaf's notAfter); for the expiry metric and alert. */
    private volatile java.time.Instant notAfter;

    /** @throws ConfigException when a file is missing or unreadable, or the key does not belong to the certificate */
    public ServerTls(TlsSettings settings) {
        if (!settings.enabled()) throw new IllegalArgumentException("TLS is off");
        this.context = new ReloadingContext<>("TLS certificate", java.util.Arrays.asList(settings.certFile(), settings.keyFile(),
                settings.clientCaFile()), () -> {
            SslContext built = build(settings);
            notAfter = leafNotAfter(settings.certFile());
            return built;
        });
    }

    /** The served certificate's end of validity. */
    public java.time.Instant notAfter() {
        return notAfter;
    }

    /** The first certificate of a PEM chain that has just been loaded successfully. */
    private static java.time.Instant leafNotAfter(Path certFile) {
        try (var in = java.nio.file.Files.newInputStream(certFile)) {
            var leaf = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            return leaf.getNotAfter().toInstant();
        } catch (IOException | java.security.cert.CertificateException e) {
            throw new ConfigException("cannot read the certificate's validity from TLS_CERT_FILE " + certFile + ": " + e.getMessage());
        }
    }

    /** A handler for one new connection, from the current certificate. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return context.current().newHandler(alloc);
    }

    /**
     * Rebuilds the context if any of the files changed since it was built (their modification times). Blocking file I/O:
     * never on an event loop.
     *
     * @return whether a new certificate is now served
     */
    public boolean reloadIfChanged() {
        return context.reloadIfChanged();
    }

    private static SslContext build(TlsSettings settings) {
        String files = "TLS_CERT_FILE " + settings.certFile() + " with TLS_KEY_FILE " + settings.keyFile()
                + (settings.clientCaFile() != null ? " and TLS_CLIENT_CA_FILE " + settings.clientCaFile() : "");
        SslContextBuilder builder = serverBuilder("TLS_CERT_FILE", settings.certFile(), "TLS_KEY_FILE", settings.keyFile(), PROXY_PROVIDER)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        // OpenSSL cannot fail the handshake here; a direct-TLS client without "postgresql" is refused
                        // after it (DirectTlsDetector), as the JDK's alert would.
                        PROXY_PROVIDER == SslProvider.OPENSSL ? ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE
                                : ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_POSTGRESQL));
        if (settings.clientCaFile() != null) {
            requireReadable("TLS_CLIENT_CA_FILE", settings.clientCaFile());
            try {
                builder.trustManager(settings.clientCaFile().toFile()).clientAuth(ClientAuth.REQUIRE);
            } catch (IllegalArgumentException e) {
                throw unusable(files, e);
            }
        }
        return built(builder, files);
    }

    /**
     * A JDK TLS context for the HTTP side-port from PEM files (TLS 1.2 and 1.3), rebuilt when they change.
     *
     * @throws ConfigException when a file is missing or unreadable, or the key does not belong to the certificate
     */
    public static ReloadingContext<javax.net.ssl.SSLContext> forHttps(TlsSettings.Https https) {
        return new ReloadingContext<>("HTTPS certificate", List.of(https.certFile(), https.keyFile()), () -> {
            // Undertow takes a JDK SSLContext.
            SslContextBuilder builder = serverBuilder("HTTP_TLS_CERT_FILE", https.certFile(), "HTTP_TLS_KEY_FILE", https.keyFile(), SslProvider.JDK);
            return ((JdkSslContext) built(builder, https.certFile() + " with " + https.keyFile() + " for HTTPS")).context();
        });
    }

    /** A server context from a PEM certificate chain and key, on the JDK's TLS, 1.2 and 1.3 only. */
    private static SslContextBuilder serverBuilder(String certName, Path cert, String keyName, Path key, SslProvider provider) {
        requireReadable(certName, cert);
        requireReadable(keyName, key);
        try {
            return SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(provider).protocols(PROTOCOLS);
        } catch (IllegalArgumentException e) {
            throw unusable(certName + " " + cert + " with " + keyName + " " + key, e);
        }
    }

    private static SslContext built(SslContextBuilder builder, String files) {
        try {
            return builder.build();
        } catch (IOException | IllegalArgumentException e) {
            throw unusable(files, e);
        }
    }

    private static ConfigException unusable(String files, Exception e) {
        return new ConfigException("cannot use " + files + ": " + Objects.requireNonNullElse(rootMessage(e), e.toString())
                + " (PEM files are needed: the certificate chain, leaf first, and an unencrypted PKCS#8 key, BEGIN PRIVATE KEY)");
    }

    private static void requireReadable(String name, Path file) {
        if (!Files.isReadable(file)) throw new ConfigException(name + " " + file + " does not exist or cannot be read");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage();
    }
}
