package org.stonescriptdb.gateway.testsupport;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A certificate authority made for a test run, and the certificates it issues, written as the PEM files the gateway and
 * the clients read. EC P-256 keys: quick to make.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A certificate and its key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {

        /** Writes {@code <name>.crt} and {@code <name>.key} (PKCS#8) into {@code dir}. */
        public PemFiles written(Path dir, String name) {
            Path crt = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            writePem(crt, "CERTIFICATE", encoded(certificate));
            writePem(key, "PRIVATE KEY", this.key.getEncoded());
            return new PemFiles(crt, key);
        }
    }

    /** Where an issued certificate and its key were written. */
    public record PemFiles(Path certificate, Path key) {
    }

    /** A self-signed authority that issues certificates. */
    public static final class Authority {
        private final Issued self;
        private final X500Name name;

        private Authority(String commonName) {
            this.name = new X500Name("CN=" + commonName);
            KeyPair pair = keyPair();
            Instant now = Instant.now();
            this.self = sign(name, pair, name, pair.getPrivate(), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), true, List.of());
        }

        public X509Certificate certificate() {
            return self.certificate();
        }

        /** The authority's certificate as a PEM file (what {@code sslrootcert} and {@code TLS_CLIENT_CA_FILE} name). */
        public Path writeCertificate(Path file) {
            writePem(file, "CERTIFICATE", encoded(self.certificate()));
            return file;
        }

        /** A client TLS context that trusts this authority alone. */
        public javax.net.ssl.SSLContext clientContext() {
            try {
                java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                trust.load(null, null);
                trust.setCertificateEntry("ca", certificate());
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
                context.init(null, tmf.getTrustManagers(), null);
                return context;
            } catch (Exception e) {
                throw new IllegalStateException("could not make a client TLS context", e);
            }
        }

        /** A certificate valid now for a month, for {@code commonName} and the given DNS names and IP addresses. */
        public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses) {
            Instant now = Instant.now();
            return issue(commonName, dnsNames, ipAddresses, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        }

        public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses, Instant notBefore, Instant notAfter) {
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
            ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            return sign(new X500Name("CN=" + commonName), keyPair(), name, self.key(), notBefore, notAfter, false, names);
        }
    }

    public static Authority authority(String commonName) {
        return new Authority(commonName);
    }

    private static Issued sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, PrivateKey issuerKey, Instant notBefore,
                               Instant notAfter, boolean ca, List<GeneralName> altNames) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(notBefore), Date.from(notAfter), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (!altNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(altNames.toArray(GeneralName[]::new)));
            }
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
            return new Issued(certificate, subjectKeys.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException("could not make a test certificate", e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static void writePem(Path file, String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        try {
            Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
