package org.stonescriptdb.gateway.auth;

import java.util.Arrays;
import java.util.Base64;

import static org.stonescriptdb.gateway.auth.ScramPrimitives.hi;
import static org.stonescriptdb.gateway.auth.ScramPrimitives.hmac;
import static org.stonescriptdb.gateway.auth.ScramPrimitives.sha256;

/**
 * What a server keeps of a SCRAM-SHA-256 password: enough to check a client's proof and prove itself in return, not
 * enough to log in as the client. Its text is PostgreSQL's ({@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}).
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    private static final String PREFIX = ScramClient.MECHANISM + "$";

    public ScramVerifier {
        if (iterations < 1 || iterations > ScramClient.MAX_ITERATIONS) throw new IllegalArgumentException("iteration count out of bounds: " + iterations);
        if (salt.length == 0) throw new IllegalArgumentException("empty salt");
        if (storedKey.length != 32 || serverKey.length != 32) throw new IllegalArgumentException("SCRAM-SHA-256 keys are 32 bytes");
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /** Stretches {@code password} (slow: the iterations run here). */
    public static ScramVerifier of(String password, byte[] salt, int iterations) {
        byte[] salted = hi(password, salt, iterations);
        return new ScramVerifier(iterations, salt, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
    }

    /** Reads PostgreSQL's text form; throws {@link IllegalArgumentException} on anything else. */
    public static ScramVerifier parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier");
        String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 2) throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier");
        String[] iterationsAndSalt = parts[0].split(":", -1);
        String[] keys = parts[1].split(":", -1);
        if (iterationsAndSalt.length != 2 || keys.length != 2) throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier");
        Base64.Decoder b64 = Base64.getDecoder();
        try {
            return new ScramVerifier(Integer.parseInt(iterationsAndSalt[0]), b64.decode(iterationsAndSalt[1]), b64.decode(keys[0]), b64.decode(keys[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier: bad iteration count");
        }
    }

    public String text() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    /** Whether {@code other} shares this one's salt and count, so one server-first-message serves both. */
    public boolean sameSaltAs(ScramVerifier other) {
        return iterations == other.iterations && Arrays.equals(salt, other.salt);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier v && iterations == v.iterations && Arrays.equals(salt, v.salt)
                && Arrays.equals(storedKey, v.storedKey) && Arrays.equals(serverKey, v.serverKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(storedKey);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + "]"; // keys stay out of logs
    }
}
