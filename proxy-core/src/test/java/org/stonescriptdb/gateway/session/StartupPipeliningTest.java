package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.io.ByteArrayOutputStream;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: a client that sends its first queries right behind the StartupMessage, before the gateway has
 * answered, gets them run, in order, once it is logged in (PostgreSQL buffers them the same way), whether they
 * share the StartupMessage's TCP segment or follow in another one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupPipeliningTest {

    private static final String DB = "pipelined_startup";
    private static final Map<PoolMode, GatewayHarness> GATEWAYS = new EnumMap<>(PoolMode.class);

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        for (PoolMode mode : PoolMode.values()) GATEWAYS.put(mode, GatewayHarness.start(c -> c.withPoolMode(mode)));
    }

    @AfterAll
    static void stop() {
        GATEWAYS.values().forEach(GatewayHarness::close);
    }

    private static byte[] startup() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", GatewayHarness.CLIENT_USER);
        params.put("database", DB);
        return WireClient.startupPacket(WireClient.PROTOCOL_3_0, params);
    }

    private static void expectLoginThenReplies(WireClient c) throws Exception {
        List<Message> login = c.readUntil('Z');
        assertThat(login.getFirst().type()).as(login.toString()).isEqualTo('R');
        assertThat(login.stream().map(Message::type).toList()).as(login.toString()).doesNotContain('E');
        for (String expected : List.of("1", "2")) {
            List<Message> reply = c.readUntil('Z');
            assertThat(reply.stream().map(Message::type).toList()).as(reply.toString()).containsExactly('T', 'D', 'C', 'Z');
            assertThat(new String(reply.get(1).body(), java.nio.charset.StandardCharsets.UTF_8)).endsWith(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(PoolMode.class)
    void queriesInTheStartupMessagesSegment(PoolMode mode) throws Exception {
        try (WireClient c = new WireClient(GATEWAYS.get(mode).port())) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(startup());
            all.writeBytes(WireClient.query("select 1"));
            all.writeBytes(WireClient.query("select 2"));
            c.send(all.toByteArray());
            expectLoginThenReplies(c);
            c.send(WireClient.terminate());
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(PoolMode.class)
    void queriesInLaterSegmentsBeforeTheLoginIsAnswered(PoolMode mode) throws Exception {
        try (WireClient c = new WireClient(GATEWAYS.get(mode).port())) {
            c.send(startup());
            byte[] first = WireClient.query("select 1");
            c.send(java.util.Arrays.copyOf(first, 3));
            Thread.sleep(20); // so the two pieces arrive apart: the split is the point
            c.send(java.util.Arrays.copyOfRange(first, 3, first.length));
            c.send(WireClient.query("select 2"));
            expectLoginThenReplies(c);
            c.send(WireClient.terminate());
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}
