package org.stonescriptdb.gateway.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;

/** The {@code tls-server-end-point} channel binding (RFC 5929 §4): a hash of the certificate the server presented. */
public final class ChannelBinding {

    private ChannelBinding() {
    }

    /**
     * The binding data for {@code certificate}, or null when there is none to give (not X.509, or a signature
     * algorithm whose hash RFC 5929 does not name, such as Ed25519): the server then offers no -PLUS.
     */
    public static byte[] tlsServerEndPoint(Certificate certificate) {
        if (!(certificate instanceof X509Certificate x509)) return null;
        String algorithm = x509.getSigAlgName().toUpperCase(Locale.ROOT);
        // MD5 and SHA-1 are replaced by SHA-256; otherwise the signature's own hash.
        String hash;
        if (algorithm.startsWith("SHA384")) hash = "SHA-384";
        else if (algorithm.startsWith("SHA512")) hash = "SHA-512";
        else if (algorithm.startsWith("SHA224")) hash = "SHA-224";
        else if (algorithm.startsWith("SHA256") || algorithm.startsWith("SHA1") || algorithm.startsWith("MD5")) hash = "SHA-256";
        else return null; // RSASSA-PSS (its hash is a parameter), EdDSA: PostgreSQL refuses them too
        try {
            return MessageDigest.getInstance(hash).digest(x509.getEncoded());
        } catch (GeneralSecurityException e) {
            return null;
        }
    }
}
