package org.stonescriptdb.gateway.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The server side of SCRAM against the gateway's own client ({@link ScramClient}, which PostgreSQL accepts) and
 * against hand-made messages for what that client never sends: channel binding, downgrades, malformed input.
 */
class ScramServerTest {

    private static final byte[] SALT = "sixteen byte slt".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BINDING = new byte[32];

    static {
        for (int i = 0; i < BINDING.length; i++) BINDING[i] = (byte) i;
    }

    private static WireCredential current(String password) {
        return new WireCredential(ScramVerifier.of(password, SALT, 4096), null);
    }

    /** Runs the gateway's client against {@code server}; returns normally only when both sides accepted. */
    private static void login(ScramServer server, String password) throws ScramServer.Refused {
        ScramClient client = new ScramClient(password);
        byte[] serverFirst = server.serverFirst(ScramServer.SCRAM_SHA_256, client.clientFirstMessage());
        byte[] clientFinal = client.clientFinalMessage(serverFirst);
        client.verifyServerFinal(server.serverFinal(clientFinal));
    }

    @Test
    void theRightPasswordLogsInAndTheServerProvesItselfToTheClient() throws Exception {
        login(ScramServer.forCredentials(List.of(current("right")), Instant.now(), null), "right");
    }

    @Test
    void aWrongPasswordFailsAtTheProof() {
        ScramServer server = ScramServer.forCredentials(List.of(current("right")), Instant.now(), null);
        assertThatThrownBy(() -> login(server, "wrong")).isInstanceOfSatisfying(ScramServer.Refused.class,
                e -> assertThat(e.failure()).isEqualTo(ScramServer.Failure.PASSWORD));
    }

    @Test
    void duringAGracePeriodBothPasswordsWorkAndAfterItOnlyTheNewOne() throws Exception {
        Instant now = Instant.now();
        WireCredential old = new WireCredential(ScramVerifier.of("old", SALT, 4096), now.plusSeconds(60));
        List<WireCredential> both = List.of(old, current("new"));
        login(ScramServer.forCredentials(both, now, null), "old");
        login(ScramServer.forCredentials(both, now, null), "new");
        assertThatThrownBy(() -> login(ScramServer.forCredentials(both, now.plusSeconds(61), null), "old"))
                .isInstanceOf(ScramServer.Refused.class);
        login(ScramServer.forCredentials(both, now.plusSeconds(61), null), "new");
    }

    @Test
    void noValidCredentialMeansNoExchangeAndTheMockFailsEvenTheRightGuess() {
        WireCredential expired = new WireCredential(ScramVerifier.of("pw", SALT, 4096), Instant.now().minusSeconds(1));
        assertThat(ScramServer.forCredentials(List.of(expired), Instant.now(), null)).isNull();
        assertThat(ScramServer.forCredentials(List.of(), Instant.now(), null)).isNull();
        assertThatThrownBy(() -> login(ScramServer.mock("someone", null), "pw")).isInstanceOfSatisfying(ScramServer.Refused.class,
                e -> assertThat(e.failure()).isEqualTo(ScramServer.Failure.PASSWORD));
    }

    @Test
    void theMockGivesOneNameTheSameSaltEveryTimeAndLooksLikeARealExchange() throws Exception {
        String first = saltOf(ScramServer.mock("someone", null));
        assertThat(saltOf(ScramServer.mock("someone", null))).isEqualTo(first);
        assertThat(saltOf(ScramServer.mock("someone else", null))).isNotEqualTo(first);
        String real = serverFirstOf(ScramServer.forCredentials(List.of(current("pw")), Instant.now(), null));
        String mock = serverFirstOf(ScramServer.mock("someone", null));
        assertThat(mock.replaceAll("[^,=]", "x").length()).isEqualTo(real.replaceAll("[^,=]", "x").length());
        assertThat(mock).endsWith(",i=4096");
    }

    private static String serverFirstOf(ScramServer server) throws ScramServer.Refused {
        return new String(server.serverFirst(ScramServer.SCRAM_SHA_256, "n,,n=,r=abcdefgh".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private static String saltOf(ScramServer server) throws ScramServer.Refused {
        return serverFirstOf(server).split(",")[1];
    }

    @Test
    void plusIsOfferedOnlyWithAChannelBindingAndThenFirst() {
        assertThat(ScramServer.mock("x", null).mechanisms()).containsExactly("SCRAM-SHA-256");
        assertThat(ScramServer.mock("x", BINDING).mechanisms()).containsExactly("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256");
    }

    @Test
    void aChannelBoundLoginWithTheRightBindingSucceeds() throws Exception {
        ScramServer server = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), BINDING);
        HandClient client = new HandClient("pw", "p=tls-server-end-point,,", BINDING);
        byte[] serverFinal = server.serverFinal(client.finalMessage(server.serverFirst(ScramServer.SCRAM_SHA_256_PLUS, client.firstMessage())));
        assertThat(new String(serverFinal, StandardCharsets.UTF_8)).startsWith("v=");
    }

    @Test
    void aBindingToAnotherCertificateFails() throws Exception {
        ScramServer server = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), BINDING);
        byte[] other = BINDING.clone();
        other[0] ^= 1;
        HandClient client = new HandClient("pw", "p=tls-server-end-point,,", other);
        byte[] clientFinal = client.finalMessage(server.serverFirst(ScramServer.SCRAM_SHA_256_PLUS, client.firstMessage()));
        assertThatThrownBy(() -> server.serverFinal(clientFinal)).isInstanceOfSatisfying(ScramServer.Refused.class,
                e -> assertThat(e.failure()).isEqualTo(ScramServer.Failure.CHANNEL_BINDING));
    }

    @Test
    void aClientToldTheServerCannotBindIsRefusedOverTlsAndAcceptedWithout() throws Exception {
        HandClient y = new HandClient("pw", "y,,", null);
        ScramServer overTls = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), BINDING);
        assertThatThrownBy(() -> overTls.serverFirst(ScramServer.SCRAM_SHA_256, y.firstMessage()))
                .isInstanceOfSatisfying(ScramServer.Refused.class, e -> assertThat(e.failure()).isEqualTo(ScramServer.Failure.CHANNEL_BINDING));
        ScramServer plain = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), null);
        HandClient y2 = new HandClient("pw", "y,,", null);
        plain.serverFinal(y2.finalMessage(plain.serverFirst(ScramServer.SCRAM_SHA_256, y2.firstMessage())));
    }

    @Test
    void plusWithoutTlsAndMismatchedFlagsAreRefused() {
        assertMalformed(ScramServer.mock("x", null), ScramServer.SCRAM_SHA_256_PLUS, "p=tls-server-end-point,,n=,r=abc");
        assertMalformed(ScramServer.mock("x", BINDING), ScramServer.SCRAM_SHA_256_PLUS, "n,,n=,r=abc");
        assertMalformed(ScramServer.mock("x", BINDING), ScramServer.SCRAM_SHA_256_PLUS, "p=tls-unique,,n=,r=abc");
        assertMalformed(ScramServer.mock("x", BINDING), ScramServer.SCRAM_SHA_256, "p=tls-server-end-point,,n=,r=abc");
        assertMalformed(ScramServer.mock("x", null), "SCRAM-SHA-1", "n,,n=,r=abc");
        assertMalformed(ScramServer.mock("x", null), "", "n,,n=,r=abc");
    }

    @Test
    void malformedFirstMessagesAreRefusedAsSuch() {
        for (String bad : List.of("", "n", "n,", "x,,n=,r=abc", "n,a=admin,n=,r=abc", "n,,m=ext,n=,r=abc", "n,,n=", "n,,r=abc",
                "n,,n=,r=", "n,,n=,r=ab c", "n,,n=,s=abc")) {
            assertMalformed(ScramServer.mock("x", null), ScramServer.SCRAM_SHA_256, bad);
        }
        assertThatThrownBy(() -> ScramServer.mock("x", null).serverFirst(ScramServer.SCRAM_SHA_256, new byte[]{'n', ',', ',', (byte) 0xC3}))
                .isInstanceOf(ScramServer.Refused.class).hasMessageContaining("UTF-8");
    }

    @Test
    void malformedOrReplayedFinalMessagesAreRefused() throws Exception {
        for (String bad : List.of("", "c=biws,r=x", "c=biws,p=AAAA", "r=x,c=biws,p=AAAA", "c=!!!,r=x,p=AAAA", "c=biws,r=wrongnonce,p="
                + Base64.getEncoder().encodeToString(new byte[32]), "c=biws,r=NONCE,p=AAAA", "c=biws,r=NONCE,p=%%%")) {
            ScramServer server = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), null);
            String serverFirst = new String(server.serverFirst(ScramServer.SCRAM_SHA_256, "n,,n=,r=abc".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            String nonce = serverFirst.split(",")[0].substring(2);
            assertThatThrownBy(() -> server.serverFinal(bad.replace("NONCE", nonce).getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOfSatisfying(ScramServer.Refused.class, e -> assertThat(e.failure()).isEqualTo(ScramServer.Failure.MALFORMED));
        }
        ScramServer fresh = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), null);
        assertThatThrownBy(() -> fresh.serverFinal("c=biws".getBytes(StandardCharsets.UTF_8))).isInstanceOf(ScramServer.Refused.class);
        ScramServer twice = ScramServer.forCredentials(List.of(current("pw")), Instant.now(), null);
        twice.serverFirst(ScramServer.SCRAM_SHA_256, "n,,n=,r=abc".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> twice.serverFirst(ScramServer.SCRAM_SHA_256, "n,,n=,r=abc".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ScramServer.Refused.class);
    }

    @Test
    void verifiersReadBackTheTextTheyWriteAndRefuseOthers() {
        ScramVerifier v = ScramVerifier.of("pw", SALT, 4096);
        assertThat(ScramVerifier.parse(v.text())).isEqualTo(v);
        assertThat(v.toString()).doesNotContain(Base64.getEncoder().encodeToString(v.storedKey()));
        for (String bad : List.of("", "md5abc", "SCRAM-SHA-256$4096:c2FsdA==$AAAA", "SCRAM-SHA-256$x:c2FsdA==$" + key() + ":" + key(),
                "SCRAM-SHA-256$0:c2FsdA==$" + key() + ":" + key(), "SCRAM-SHA-256$4096:$" + key() + ":" + key())) {
            assertThatThrownBy(() -> ScramVerifier.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String key() {
        return Base64.getEncoder().encodeToString(new byte[32]);
    }

    private static void assertMalformed(ScramServer server, String mechanism, String clientFirst) {
        assertThatThrownBy(() -> server.serverFirst(mechanism, clientFirst.getBytes(StandardCharsets.UTF_8))).as(mechanism + " " + clientFirst)
                .isInstanceOfSatisfying(ScramServer.Refused.class, e -> assertThat(e.failure()).isEqualTo(ScramServer.Failure.MALFORMED));
    }

    /** A client written from RFC 5802 for the cases {@link ScramClient} does not send: another GS2 header, channel binding. */
    private record HandClient(String password, String gs2Header, byte[] binding) {

        byte[] firstMessage() {
            return (gs2Header + "n=,r=handnonce").getBytes(StandardCharsets.UTF_8);
        }

        byte[] finalMessage(byte[] serverFirstBytes) {
            String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
            String[] parts = serverFirst.split(",");
            String nonce = parts[0].substring(2);
            byte[] salt = Base64.getDecoder().decode(parts[1].substring(2));
            int iterations = Integer.parseInt(parts[2].substring(2));
            byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
            byte[] cbind = binding == null ? header : concat(header, binding);
            String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbind) + ",r=" + nonce;
            String authMessage = "n=,r=handnonce," + serverFirst + "," + withoutProof;
            byte[] salted = ScramPrimitives.hi(password, salt, iterations);
            byte[] clientKey = ScramPrimitives.hmac(salted, "Client Key");
            byte[] proof = ScramPrimitives.xor(clientKey, ScramPrimitives.hmac(ScramPrimitives.sha256(clientKey), authMessage));
            return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }
}
