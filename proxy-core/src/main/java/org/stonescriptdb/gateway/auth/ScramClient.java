package org.stonescriptdb.gateway.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.stonescriptdb.gateway.auth.ScramPrimitives.hi;
import static org.stonescriptdb.gateway.auth.ScramPrimitives.hmac;
import static org.stonescriptdb.gateway.auth.ScramPrimitives.sha256;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802/7677, without channel binding) for the gateway's own login to
 * the backend. Server messages are parsed defensively: bounded sizes and iteration counts, the nonce must
 * extend ours, and the server signature is verified before the login counts as done.
 *
 * <p>The salted password is cached per (password, salt, iterations), for a few entries: every backend
 * connection logs in as the same user, so the costly key stretching runs once, not once per connection.
 */
public final class ScramClient {

    public static final String MECHANISM = "SCRAM-SHA-256";
    /** PostgreSQL's default is 4096; far larger counts are a denial-of-service vector. */
    static final int MAX_ITERATIONS = 100_000;
    static final int MAX_SERVER_MESSAGE = 4096;

    private static final SecureRandom RANDOM = new SecureRandom();
    static final int CACHE_SIZE = 16;
    /** Salted passwords by {@link #cacheKey}, least recently used first; guarded by itself. */
    private static final Map<String, byte[]> SALTED_PASSWORDS = new LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    private final String password;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramClient(String password) {
        this(password, randomNonce());
    }

    ScramClient(String password, String clientNonce) {
        this.password = password;
        this.clientNonce = clientNonce;
    }

    /** client-first-message; the user name is empty because PostgreSQL takes it from the startup packet. */
    public byte[] clientFirstMessage() {
        clientFirstBare = "n=,r=" + clientNonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** Answers server-first-message with client-final-message. */
    public byte[] clientFinalMessage(byte[] serverFirst) {
        if (serverFirst.length > MAX_SERVER_MESSAGE) throw new ScramException("server-first-message too long");
        String message = new String(serverFirst, StandardCharsets.UTF_8);
        String nonce = null, saltText = null, iterationText = null;
        for (String attribute : message.split(",")) {
            if (attribute.startsWith("m=")) {
                // A mandatory extension we cannot know; RFC 5802 says to fail, and libpq does.
                throw new ScramException("server-first-message requires an unsupported extension (m=)");
            }
            if (attribute.startsWith("r=")) nonce = attribute.substring(2);
            else if (attribute.startsWith("s=")) saltText = attribute.substring(2);
            else if (attribute.startsWith("i=")) iterationText = attribute.substring(2);
        }
        if (nonce == null || saltText == null || iterationText == null) throw new ScramException("server-first-message incomplete");
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) throw new ScramException("server nonce does not extend ours");
        int iterations;
        try {
            iterations = Integer.parseInt(iterationText);
        } catch (NumberFormatException e) {
            throw new ScramException("bad iteration count");
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) throw new ScramException("iteration count out of bounds: " + iterations);
        byte[] salt;
        try {
            salt = Base64.getDecoder().decode(saltText);
        } catch (IllegalArgumentException e) {
            throw new ScramException("salt is not base64");
        }
        byte[] saltedPassword = saltedPassword(password, salt, iterations);
        String clientFinalWithoutProof = "c=biws,r=" + nonce;
        String authMessage = clientFirstBare + "," + message + "," + clientFinalWithoutProof;
        byte[] clientKey = hmac(saltedPassword, "Client Key");
        byte[] storedKey = sha256(clientKey);
        byte[] clientSignature = hmac(storedKey, authMessage);
        byte[] proof = ScramPrimitives.xor(clientKey, clientSignature);
        byte[] serverKey = hmac(saltedPassword, "Server Key");
        expectedServerSignature = hmac(serverKey, authMessage);
        return (clientFinalWithoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks server-final-message; throws if the server could not prove it knows the password. */
    public void verifyServerFinal(byte[] serverFinal) {
        if (serverFinal.length > MAX_SERVER_MESSAGE) throw new ScramException("server-final-message too long");
        String message = new String(serverFinal, StandardCharsets.UTF_8);
        if (message.startsWith("e=")) throw new ScramException("server rejected the login: " + message.substring(2));
        if (!message.startsWith("v=") || expectedServerSignature == null) throw new ScramException("server-final-message malformed");
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(message.substring(2).split(",")[0]);
        } catch (IllegalArgumentException e) {
            throw new ScramException("server signature is not base64");
        }
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) throw new ScramException("server signature mismatch");
    }

    /**
     * Hi(password, salt, i), from the cache when this password, salt and count were stretched before. The key is
     * a SHA-256 digest of all three (not the password, nor a hash code two passwords can share); the cache keeps
     * the {@value #CACHE_SIZE} most recently used entries.
     */
    static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        String key = cacheKey(password, salt, iterations);
        synchronized (SALTED_PASSWORDS) {
            byte[] cached = SALTED_PASSWORDS.get(key);
            if (cached != null) return cached;
        }
        // Stretched outside the lock: it is the slow part, and two threads computing the same entry agree.
        byte[] salted = hi(password, salt, iterations);
        synchronized (SALTED_PASSWORDS) {
            SALTED_PASSWORDS.put(key, salted);
        }
        return salted;
    }

    static int cachedSaltedPasswords() {
        synchronized (SALTED_PASSWORDS) {
            return SALTED_PASSWORDS.size();
        }
    }

    private static String cacheKey(String password, byte[] salt, int iterations) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] pw = password.getBytes(StandardCharsets.UTF_8);
            // Length-prefixed fields, so no two different (password, salt) pairs feed the digest the same bytes.
            digest.update(ByteBuffer.allocate(12).putInt(pw.length).putInt(salt.length).putInt(iterations).array());
            digest.update(pw);
            digest.update(salt);
            return Base64.getEncoder().encodeToString(digest.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /**
     * The verifier PostgreSQL stores for a SCRAM-SHA-256 password ({@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}),
     * so a role's password can be set with {@code CREATE ROLE … PASSWORD '<verifier>'} without the password itself
     * ever appearing in SQL text or a server log.
     */
    public static String verifier(String password, int iterations) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return verifier(password, salt, iterations);
    }

    static String verifier(String password, byte[] salt, int iterations) {
        return ScramVerifier.of(password, salt, iterations).text();
    }

    private static String randomNonce() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** The backend's SCRAM exchange could not be completed. */
    public static final class ScramException extends RuntimeException {
        public ScramException(String message) {
            super("SCRAM authentication with the backend failed: " + message);
        }
    }
}
