package org.stonescriptdb.gateway.auth;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks ScramClient against an independent SCRAM-SHA-256 implementation (Hi written out as the RFC 5802 HMAC
 * chain, not PBKDF2), which is itself checked against the RFC 7677 test vector first.
 */
class ScramClientTest {

    // RFC 7677 section 3.
    private static final String PASSWORD = "pencil";
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String FINAL_WITHOUT_PROOF = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String RFC_PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String RFC_SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    // ---- the reference implementation ----

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Hi(str, salt, i) = U1 ^ U2 ^ ... ^ Ui, U1 = HMAC(str, salt || INT(1)), Uk = HMAC(str, Uk-1). */
    private static byte[] hi(String password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] first = new byte[salt.length + 4];
            System.arraycopy(salt, 0, first, 0, salt.length);
            first[first.length - 1] = 1;
            byte[] u = mac.doFinal(first);
            byte[] result = u.clone();
            for (int k = 1; k < iterations; k++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) result[j] ^= u[j];
            }
            return result;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private record Expected(String proof, String serverSignature, byte[] storedKey) {
    }

    private static Expected reference(String password, String clientFirstBare, String serverFirst, String finalWithoutProof) {
        String salt = null;
        int iterations = 0;
        for (String a : serverFirst.split(",")) {
            if (a.startsWith("s=")) salt = a.substring(2);
            if (a.startsWith("i=")) iterations = Integer.parseInt(a.substring(2));
        }
        byte[] salted = hi(password, Base64.getDecoder().decode(salt), iterations);
        String authMessage = clientFirstBare + "," + serverFirst + "," + finalWithoutProof;
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = sha256(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) proof[i] = (byte) (clientKey[i] ^ signature[i]);
        byte[] serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
        return new Expected(Base64.getEncoder().encodeToString(proof), Base64.getEncoder().encodeToString(serverSignature), storedKey);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- the RFC vector ----

    @Test
    void referenceReproducesTheRfc7677Vector() {
        Expected rfc = reference(PASSWORD, "n=user,r=" + CLIENT_NONCE, SERVER_FIRST, FINAL_WITHOUT_PROOF);
        assertEquals(RFC_PROOF, rfc.proof());
        assertEquals(RFC_SERVER_SIGNATURE, rfc.serverSignature());
    }

    /**
     * Our client-first-message carries an empty user name ("n=,") because PostgreSQL takes the user from the
     * startup packet, so the AuthMessage — and with it the proof and the server signature — differ from the
     * RFC's; the salted password and keys are the same.
     */
    @Test
    void rfc7677VectorWithAnEmptyUserName() {
        ScramClient client = new ScramClient(PASSWORD, CLIENT_NONCE);
        assertEquals("n,,n=,r=" + CLIENT_NONCE, new String(client.clientFirstMessage(), StandardCharsets.UTF_8));
        Expected ours = reference(PASSWORD, "n=,r=" + CLIENT_NONCE, SERVER_FIRST, FINAL_WITHOUT_PROOF);
        assertThat(ours.proof()).isNotEqualTo(RFC_PROOF);

        String clientFinal = new String(client.clientFinalMessage(utf8(SERVER_FIRST)), StandardCharsets.UTF_8);
        assertEquals(FINAL_WITHOUT_PROOF + ",p=" + ours.proof(), clientFinal);
        assertDoesNotThrow(() -> client.verifyServerFinal(utf8("v=" + ours.serverSignature())));
    }

    @Test
    void theRfcServerSignatureDoesNotVerifyOurExchange() {
        ScramClient client = new ScramClient(PASSWORD, CLIENT_NONCE);
        client.clientFirstMessage();
        client.clientFinalMessage(utf8(SERVER_FIRST));
        assertThatThrownBy(() -> client.verifyServerFinal(utf8("v=" + RFC_SERVER_SIGNATURE)))
                .isInstanceOf(ScramClient.ScramException.class).hasMessageContaining("server signature mismatch");
    }

    /** A server that only knows StoredKey checks the proof the way PostgreSQL does; random client nonce. */
    @Test
    void aServerHoldingTheVerifierAcceptsTheProof() {
        ScramClient client = new ScramClient("correct horse");
        String first = new String(client.clientFirstMessage(), StandardCharsets.UTF_8);
        assertThat(first).startsWith("n,,n=,r=");
        String clientNonce = first.substring("n,,n=,r=".length());
        assertThat(clientNonce).hasSizeGreaterThanOrEqualTo(18).doesNotContain(",");
        String serverFirst = "r=" + clientNonce + "srv-part,s=" + Base64.getEncoder().encodeToString(utf8("verifier-salt")) + ",i=4096";
        String clientFinal = new String(client.clientFinalMessage(utf8(serverFirst)), StandardCharsets.UTF_8);
        int p = clientFinal.indexOf(",p=");
        String withoutProof = clientFinal.substring(0, p);
        assertEquals("c=biws,r=" + clientNonce + "srv-part", withoutProof);

        Expected server = reference("correct horse", first.substring(3), serverFirst, withoutProof);
        byte[] proof = Base64.getDecoder().decode(clientFinal.substring(p + 3));
        byte[] signature = hmac(server.storedKey(), first.substring(3) + "," + serverFirst + "," + withoutProof);
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ signature[i]);
        assertArrayEquals(server.storedKey(), sha256(clientKey), "server-side proof check");
        assertDoesNotThrow(() -> client.verifyServerFinal(utf8("v=" + server.serverSignature())));
    }

    @Test
    void twoClientsGetDifferentNonces() {
        assertThat(new String(new ScramClient("x").clientFirstMessage(), StandardCharsets.UTF_8))
                .isNotEqualTo(new String(new ScramClient("x").clientFirstMessage(), StandardCharsets.UTF_8));
    }

    // ---- hostile or broken server messages ----

    private static ScramClient started() {
        ScramClient client = new ScramClient(PASSWORD, CLIENT_NONCE);
        client.clientFirstMessage();
        return client;
    }

    private static void assertServerFirstRefused(String serverFirst, String reason) {
        assertThatThrownBy(() -> started().clientFinalMessage(utf8(serverFirst)))
                .isInstanceOf(ScramClient.ScramException.class)
                .hasMessageStartingWith("SCRAM authentication with the backend failed: ")
                .hasMessageContaining(reason);
    }

    @Test
    void nonceMustExtendOurs() {
        assertServerFirstRefused("r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "server nonce does not extend ours");
        assertServerFirstRefused("r=" + CLIENT_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "server nonce does not extend ours");
        assertServerFirstRefused("r=" + CLIENT_NONCE.substring(1) + "xx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "server nonce does not extend ours");
    }

    @Test
    void iterationCountBounds() {
        String prefix = "r=" + CLIENT_NONCE + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=";
        assertServerFirstRefused(prefix + "0", "iteration count out of bounds: 0");
        assertServerFirstRefused(prefix + "-1", "iteration count out of bounds: -1");
        assertServerFirstRefused(prefix + (ScramClient.MAX_ITERATIONS + 1), "iteration count out of bounds: " + (ScramClient.MAX_ITERATIONS + 1));
        assertServerFirstRefused(prefix + "2147483647", "iteration count out of bounds");
        assertServerFirstRefused(prefix + "99999999999", "bad iteration count");
        assertServerFirstRefused(prefix + "four", "bad iteration count");
        assertServerFirstRefused(prefix, "bad iteration count");
        assertServerFirstRefused(prefix + " 4096", "bad iteration count");
    }

    @Test
    void iterationCountAtTheBoundIsAccepted() {
        String serverFirst = "r=" + CLIENT_NONCE + "b,s=" + Base64.getEncoder().encodeToString(utf8("bound-salt")) + ",i=" + ScramClient.MAX_ITERATIONS;
        assertTrue(started().clientFinalMessage(utf8(serverFirst)).length > 0);
        String one = "r=" + CLIENT_NONCE + "b,s=" + Base64.getEncoder().encodeToString(utf8("one-salt")) + ",i=1";
        assertEquals(FINAL_WITHOUT_PROOF.replace("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "b") + ",p="
                        + reference(PASSWORD, "n=,r=" + CLIENT_NONCE, one, "c=biws,r=" + CLIENT_NONCE + "b").proof(),
                new String(started().clientFinalMessage(utf8(one)), StandardCharsets.UTF_8));
    }

    @Test
    void badSalt() {
        assertServerFirstRefused("r=" + CLIENT_NONCE + "x,s=not*base64!,i=4096", "salt is not base64");
    }

    @Test
    void incompleteServerFirst() {
        assertServerFirstRefused("r=" + CLIENT_NONCE + "x,i=4096", "server-first-message incomplete");
        assertServerFirstRefused("r=" + CLIENT_NONCE + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==", "server-first-message incomplete");
        assertServerFirstRefused("s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "server-first-message incomplete");
        assertServerFirstRefused("", "server-first-message incomplete");
        assertServerFirstRefused("e=other-error", "server-first-message incomplete");
    }

    @Test
    void oversizedServerMessages() {
        String huge = "r=" + CLIENT_NONCE + "x".repeat(ScramClient.MAX_SERVER_MESSAGE) + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        assertServerFirstRefused(huge, "server-first-message too long");
        assertThatThrownBy(() -> started().verifyServerFinal(utf8("v=" + "A".repeat(ScramClient.MAX_SERVER_MESSAGE))))
                .hasMessageContaining("server-final-message too long");
    }

    @Test
    void serverFinalErrors() {
        ScramClient client = started();
        client.clientFinalMessage(utf8(SERVER_FIRST));
        assertThatThrownBy(() -> client.verifyServerFinal(utf8("e=invalid-proof")))
                .isInstanceOf(ScramClient.ScramException.class).hasMessageContaining("server rejected the login: invalid-proof");
        assertThatThrownBy(() -> client.verifyServerFinal(utf8("x=whatever"))).hasMessageContaining("server-final-message malformed");
        assertThatThrownBy(() -> client.verifyServerFinal(utf8("v=***"))).hasMessageContaining("server signature is not base64");
        assertThatThrownBy(() -> client.verifyServerFinal(utf8("v="))).hasMessageContaining("server signature mismatch");
        String wrong = Base64.getEncoder().encodeToString(new byte[32]);
        assertThatThrownBy(() -> client.verifyServerFinal(utf8("v=" + wrong))).hasMessageContaining("server signature mismatch");
    }

    @Test
    void serverFinalBeforeServerFirstIsRefused() {
        Expected ours = reference(PASSWORD, "n=,r=" + CLIENT_NONCE, SERVER_FIRST, FINAL_WITHOUT_PROOF);
        assertThatThrownBy(() -> started().verifyServerFinal(utf8("v=" + ours.serverSignature())))
                .hasMessageContaining("server-final-message malformed");
    }

    /**
     * The salted-password cache is keyed by salt, iterations and {@code password.hashCode()}; "Aa" and "BB" share a
     * hash code, so a second login with the other password reuses the first one's salted password and sends a
     * proof the server rejects. Key the cache by the password itself (or a digest of it).
     */
    @Test
    void passwordsWithEqualHashCodesDoNotShareTheCache() {
        assertEquals("Aa".hashCode(), "BB".hashCode());
        String serverFirst = "r=" + CLIENT_NONCE + "c,s=" + Base64.getEncoder().encodeToString(utf8("collision-salt")) + ",i=4096";
        for (String password : new String[]{"Aa", "BB"}) {
            ScramClient client = new ScramClient(password, CLIENT_NONCE);
            client.clientFirstMessage();
            String expected = reference(password, "n=,r=" + CLIENT_NONCE, serverFirst, "c=biws,r=" + CLIENT_NONCE + "c").proof();
            assertThat(new String(client.clientFinalMessage(utf8(serverFirst)), StandardCharsets.UTF_8)).as(password).endsWith(",p=" + expected);
        }
    }

    /** RFC 5802: a client that does not know an m= extension must fail; libpq does. */
    @Test
    void mandatoryExtensionIsRefused() {
        assertServerFirstRefused("m=ext-data," + SERVER_FIRST, "unsupported extension (m=)");
        assertServerFirstRefused(SERVER_FIRST + ",m=x", "unsupported extension (m=)");
        assertServerFirstRefused("m=", "unsupported extension (m=)");
    }

    @Test
    void cacheKeepsOneEntryPerPasswordSaltAndIterations() {
        byte[] salt = utf8("cache-salt-1");
        byte[] first = ScramClient.saltedPassword("pw-cache", salt, 5);
        assertThat(ScramClient.saltedPassword("pw-cache", salt.clone(), 5)).as("same inputs: cached").isSameAs(first);
        assertThat(ScramClient.saltedPassword("pw-cache", salt, 6)).isNotEqualTo(first);
        assertThat(ScramClient.saltedPassword("pw-cachf", salt, 5)).isNotEqualTo(first);
        assertThat(ScramClient.saltedPassword("pw-cache", utf8("cache-salt-2"), 5)).isNotEqualTo(first);
        // Shifting bytes between the password and the salt gives another key.
        assertThat(ScramClient.saltedPassword("pw-cache" + "c", utf8("ache-salt-1"), 5))
                .isNotEqualTo(ScramClient.saltedPassword("pw-cache", utf8("cache-salt-1"), 5));
    }

    @Test
    void cacheIsBounded() {
        for (int i = 0; i < 3 * ScramClient.CACHE_SIZE; i++) {
            ScramClient.saltedPassword("pw" + i, utf8("bounded-salt-" + i), 2);
            assertThat(ScramClient.cachedSaltedPasswords()).isLessThanOrEqualTo(ScramClient.CACHE_SIZE);
        }
        assertEquals(ScramClient.CACHE_SIZE, ScramClient.cachedSaltedPasswords());
        // Evicted entries are simply computed again, with the same result.
        String serverFirst = "r=" + CLIENT_NONCE + "c,s=" + Base64.getEncoder().encodeToString(utf8("evicted-salt")) + ",i=4096";
        for (int round = 0; round < 2; round++) {
            ScramClient client = new ScramClient(PASSWORD, CLIENT_NONCE);
            client.clientFirstMessage();
            String expected = reference(PASSWORD, "n=,r=" + CLIENT_NONCE, serverFirst, "c=biws,r=" + CLIENT_NONCE + "c").proof();
            assertThat(new String(client.clientFinalMessage(utf8(serverFirst)), StandardCharsets.UTF_8)).endsWith(",p=" + expected);
            for (int i = 0; i < ScramClient.CACHE_SIZE + 1; i++) ScramClient.saltedPassword("filler" + i, utf8("filler-" + round), 2);
        }
    }
}
