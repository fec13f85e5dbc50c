package org.stonescriptdb.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.stonescriptdb.gateway.auth.ScramPrimitives.hmac;
import static org.stonescriptdb.gateway.auth.ScramPrimitives.sha256;
import static org.stonescriptdb.gateway.auth.ScramPrimitives.xor;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802/7677), with channel binding ({@code -PLUS},
 * {@code tls-server-end-point}, RFC 5929) when the client came over TLS.
 *
 * <p>A platform may have two passwords during a rotation's grace period. They share a salt and iteration count (a
 * rotation keeps them), so one server-first-message serves both and the proof is checked against each.
 *
 * <p>A login that cannot succeed (a user or database with no credentials) runs a mock exchange: a salt derived from the
 * name with a process secret, so the same name always gets the same salt, and a proof checked against a random key
 * with the same work as a real one. From outside, an unknown name and a wrong password look and take the same.
 */
public final class ScramServer {

    public static final String SCRAM_SHA_256 = ScramClient.MECHANISM;
    public static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";
    public static final int MOCK_ITERATIONS = 4096;
    private static final String CHANNEL_BINDING_TYPE = "tls-server-end-point";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] MOCK_SECRET = randomBytes(32);

    /** Why an exchange failed; the caller turns it into the client's error and the metric's reason. */
    public enum Failure { MALFORMED, CHANNEL_BINDING, PASSWORD }

    public static final class Refused extends Exception {
        private final Failure failure;

        Refused(Failure failure, String message) {
            super(message, null, false, false);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    private final List<ScramVerifier> keys;
    private final boolean mock;
    private final byte[] salt;
    private final int iterations;
    /** tls-server-end-point data of this connection; null without TLS (then -PLUS is not offered). */
    private final byte[] channelBinding;

    private boolean plus;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private boolean finished;

    private ScramServer(List<ScramVerifier> keys, boolean mock, byte[] channelBinding) {
        this.keys = keys;
        this.mock = mock;
        this.salt = keys.getFirst().salt();
        this.iterations = keys.getFirst().iterations();
        this.channelBinding = channelBinding == null ? null : channelBinding.clone();
    }

    /**
     * An exchange against the credentials valid at {@code now}; null when none is (the caller then runs a
     * {@link #mock}). When a rotation left verifiers with different salts, those sharing the current one's are used.
     */
    public static ScramServer forCredentials(List<WireCredential> credentials, Instant now, byte[] channelBinding) {
        List<ScramVerifier> valid = new ArrayList<>();
        ScramVerifier lead = null;
        for (WireCredential c : credentials) {
            if (!c.validAt(now)) continue;
            valid.add(c.verifier());
            if (lead == null || c.validUntil() == null) lead = c.verifier();
        }
        if (lead == null) return null;
        List<ScramVerifier> keys = new ArrayList<>();
        keys.add(lead);
        for (ScramVerifier v : valid) if (v != lead && v.sameSaltAs(lead)) keys.add(v);
        return new ScramServer(List.copyOf(keys), false, channelBinding);
    }

    /** An exchange that fails at its proof, indistinguishable from outside from one with a wrong password. */
    public static ScramServer mock(String name, byte[] channelBinding) {
        byte[] salt = Arrays.copyOf(hmac(MOCK_SECRET, name), 16);
        return new ScramServer(List.of(new ScramVerifier(MOCK_ITERATIONS, salt, randomBytes(32), randomBytes(32))), true, channelBinding);
    }

    /** What AuthenticationSASL offers: with TLS the channel-bound mechanism first, as PostgreSQL lists them. */
    public List<String> mechanisms() {
        return channelBinding != null ? List.of(SCRAM_SHA_256_PLUS, SCRAM_SHA_256) : List.of(SCRAM_SHA_256);
    }

    /** Answers the client's SASLInitialResponse with the server-first-message. */
    public byte[] serverFirst(String mechanism, byte[] clientFirstMessage) throws Refused {
        if (serverFirst != null) throw malformed("SCRAM exchange already begun");
        if (SCRAM_SHA_256_PLUS.equals(mechanism) && channelBinding != null) plus = true;
        else if (!SCRAM_SHA_256.equals(mechanism)) throw malformed("client selected an invalid SASL authentication mechanism");
        String text = utf8(clientFirstMessage);
        int flagEnd = text.indexOf(',');
        int authzidEnd = flagEnd < 0 ? -1 : text.indexOf(',', flagEnd + 1);
        if (authzidEnd < 0) throw malformed("malformed SCRAM message: no GS2 header");
        String flag = text.substring(0, flagEnd);
        checkChannelBindingFlag(flag);
        if (authzidEnd != flagEnd + 1) throw malformed("client uses authorization identity, but it is not supported");
        gs2Header = text.substring(0, authzidEnd + 1);
        clientFirstBare = text.substring(authzidEnd + 1);
        String[] attributes = clientFirstBare.split(",", -1);
        if (attributes[0].startsWith("m=")) throw malformed("client requires an unsupported SCRAM extension");
        if (attributes.length < 2 || !attributes[0].startsWith("n=") || !attributes[1].startsWith("r=")) {
            throw malformed("malformed SCRAM message: expected the user name and the nonce");
        }
        String clientNonce = attributes[1].substring(2);
        if (clientNonce.isEmpty() || !printable(clientNonce)) throw malformed("malformed SCRAM message: bad client nonce");
        nonce = clientNonce + Base64.getEncoder().encodeToString(randomBytes(18));
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(salt) + ",i=" + iterations;
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /** Checks the client-final-message; returns the server-final-message that proves the server knew the verifier. */
    public byte[] serverFinal(byte[] clientFinalMessage) throws Refused {
        if (serverFirst == null || finished) throw malformed("SCRAM message out of order");
        finished = true;
        String text = utf8(clientFinalMessage);
        int proofAt = text.lastIndexOf(",p=");
        if (proofAt < 0) throw malformed("malformed SCRAM message: no proof");
        String withoutProof = text.substring(0, proofAt);
        String[] attributes = withoutProof.split(",", -1);
        if (attributes.length < 2 || !attributes[0].startsWith("c=") || !attributes[1].startsWith("r=")) {
            throw malformed("malformed SCRAM message: expected channel binding and nonce");
        }
        byte[] binding = base64(attributes[0].substring(2));
        if (!MessageDigest.isEqual(binding, expectedBinding())) {
            throw new Refused(Failure.CHANNEL_BINDING, "SCRAM channel binding check failed");
        }
        if (!attributes[1].substring(2).equals(nonce)) throw malformed("SCRAM nonce mismatch");
        byte[] proof = base64(text.substring(proofAt + 3));
        if (proof.length != 32) throw malformed("malformed SCRAM message: proof of the wrong length");
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        // Every key is tried, whichever matches: the time taken does not say which one did, or whether one did.
        ScramVerifier matched = null;
        for (ScramVerifier key : keys) {
            byte[] storedKey = key.storedKey();
            boolean ok = MessageDigest.isEqual(sha256(xor(proof, hmac(storedKey, authMessage))), storedKey);
            if (ok && matched == null) matched = key;
        }
        if (matched == null || mock) throw new Refused(Failure.PASSWORD, "password authentication failed");
        return ("v=" + Base64.getEncoder().encodeToString(hmac(matched.serverKey(), authMessage))).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * RFC 5802 §6: "y" says the client could bind but thinks the server cannot — over TLS, where -PLUS was offered,
     * someone took it out of the list on the way, so the login must fail.
     */
    private void checkChannelBindingFlag(String flag) throws Refused {
        if (plus) {
            if (!flag.equals("p=" + CHANNEL_BINDING_TYPE)) {
                throw flag.startsWith("p=") ? malformed("unsupported SCRAM channel-binding type \"" + flag.substring(2) + "\"")
                        : malformed("the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data");
            }
        } else if (flag.startsWith("p=")) {
            throw malformed("the client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data");
        } else if (flag.equals("y")) {
            if (channelBinding != null) throw new Refused(Failure.CHANNEL_BINDING, "SCRAM channel binding negotiation error");
        } else if (!flag.equals("n")) {
            throw malformed("malformed SCRAM message: unexpected channel-binding flag");
        }
    }

    private byte[] expectedBinding() {
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        if (!plus) return header;
        byte[] both = Arrays.copyOf(header, header.length + channelBinding.length);
        System.arraycopy(channelBinding, 0, both, header.length, channelBinding.length);
        return both;
    }

    private static String utf8(byte[] message) throws Refused {
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(message)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw malformed("malformed SCRAM message: not UTF-8");
        }
    }

    private static byte[] base64(String text) throws Refused {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw malformed("malformed SCRAM message: invalid base64");
        }
    }

    /** RFC 5802's printable: ASCII 0x21–0x7E except the comma. */
    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') return false;
        }
        return true;
    }

    private static Refused malformed(String message) {
        return new Refused(Failure.MALFORMED, message);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
