package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.testing.WireClient.PROTOCOL_3_0;
import static org.stonescriptdb.gateway.testing.WireClient.PROTOCOL_3_2;
import static org.stonescriptdb.gateway.testing.WireClient.startupPacket;

/** Start-up and pipelining cases driven byte by byte over a plain socket, against the running gateway. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyStartupWireTest {

    private static final String DB = "wire_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        TestPostgres.createDatabase(DB);
        gateway = GatewayHarness.start();
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) gateway.close();
    }

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /** Reads the start-up reply up to ReadyForQuery and checks its shape. */
    private static List<Message> expectReady(WireClient c) throws Exception {
        List<Message> msgs = c.readUntil('Z');
        List<Character> types = msgs.stream().map(Message::type).toList();
        assertThat(types.get(0)).as(msgs.toString()).isEqualTo('R');
        assertThat(msgs.get(0).int32(0)).as("AuthenticationOk").isZero();
        assertThat(types).as(msgs.toString()).contains('S', 'K').doesNotContain('E');
        Message key = msgs.stream().filter(m -> m.type() == 'K').findFirst().orElseThrow();
        assertThat(key.body()).as("BackendKeyData for protocol 3.0").hasSize(8);
        assertThat((char) msgs.get(msgs.size() - 1).body()[0]).isEqualTo('I');
        return msgs;
    }

    private static void expectSelectOne(WireClient c) throws Exception {
        c.send(WireClient.query("select 1"));
        List<Message> reply = c.readUntil('Z');
        assertThat(reply.stream().map(Message::type).toList()).as(reply.toString()).containsExactly('T', 'D', 'C', 'Z');
    }

    @Test
    void sslAndGssEncRequestsAreAnsweredNoAndStartUpContinues() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(WireClient.untyped(WireClient.GSSENC_REQUEST, new byte[0]));
            assertThat((char) c.readByte()).isEqualTo('N');
            c.send(WireClient.untyped(WireClient.SSL_REQUEST, new byte[0]));
            assertThat((char) c.readByte()).isEqualTo('N');
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB)));
            expectReady(c);
            expectSelectOne(c);
            c.send(WireClient.terminate());
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void theBackendsParameterStatusValuesReachTheClient() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB, "application_name", "wire")));
            Map<String, String> reported = new LinkedHashMap<>();
            for (Message m : expectReady(c)) {
                if (m.type() != 'S') continue;
                String[] kv = new String(m.body(), StandardCharsets.UTF_8).split("\0");
                reported.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            assertThat(reported).containsKeys("server_version", "server_encoding", "client_encoding", "DateStyle", "TimeZone",
                    "integer_datetimes", "standard_conforming_strings");
            assertThat(reported.get("server_version")).startsWith("17");
            assertThat(reported.get("integer_datetimes")).isEqualTo("on");
        }
    }

    @Test
    void aStartupPacketSentOneByteAtATimeIsReassembled() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            byte[] packet = startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB));
            for (byte b : packet) {
                c.send(new byte[] {b});
                Thread.sleep(1); // one byte per segment: a deliberately slow client
            }
            expectReady(c);
            expectSelectOne(c);
        }
    }

    @Test
    void protocol32AndUnknownPqOptionsAreNegotiatedDownTo30() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_2, params("user", "app", "database", DB, "_pq_.something_new", "1")));
            Message first = c.read();
            assertThat(first.type()).as(first.toString()).isEqualTo('v');
            // PostgreSQL itself sends the full version code here (196608 = 3.0), whatever the docs' wording.
            assertThat(first.int32(0)).as("newest protocol version supported").isEqualTo(backendNegotiation().int32(0));
            assertThat(first.int32(0)).isEqualTo(PROTOCOL_3_0);
            assertThat(first.int32(4)).as("unrecognised options").isEqualTo(1);
            assertThat(new String(first.body(), 8, first.body().length - 8, StandardCharsets.UTF_8)).startsWith("_pq_.something_new");
            expectReady(c);
            expectSelectOne(c);
        }
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB, "_pq_.other", "x")));
            Message first = c.read();
            assertThat(first.type()).as(first.toString()).isEqualTo('v');
            assertThat(first.int32(4)).isEqualTo(1);
            expectReady(c);
        }
    }

    /** What the real server answers to the same 3.2 start-up with an unknown option. */
    private static Message backendNegotiation() throws Exception {
        try (WireClient c = new WireClient(TestPostgres.port())) {
            c.send(startupPacket(PROTOCOL_3_2, params("user", TestPostgres.SUPERUSER, "database", DB, "_pq_.something_new", "1")));
            Message m = c.read();
            assertThat(m.type()).as(m.toString()).isEqualTo('v');
            return m;
        }
    }

    @Test
    void aStartupWithoutUserIsRefusedWith08P01() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("database", DB)));
            Message m = c.read();
            assertThat(m.type()).as(m.toString()).isEqualTo('E');
            assertThat(m.sqlState()).isEqualTo("08P01");
            assertThat(m.fields().get('S')).isEqualTo("FATAL");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void aReplicationStartupIsRefusedWith0A000() throws Exception {
        for (String mode : List.of("true", "database")) {
            try (WireClient c = new WireClient(gateway.port())) {
                c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB, "replication", mode)));
                Message m = c.read();
                assertThat(m.type()).as(m.toString()).isEqualTo('E');
                assertThat(m.sqlState()).as(m.toString()).isEqualTo("0A000");
                assertThat(c.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void anOversizedOrMisframedStartupPacketIsRefusedWith08P01() throws Exception {
        // Over 10 KB.
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB, "options", "x".repeat(11_000))));
            Message m = c.read();
            assertThat(m.type()).as(m.toString()).isEqualTo('E');
            assertThat(m.sqlState()).isEqualTo("08P01");
            assertThat(c.closedByPeer()).isTrue();
        }
        // Only the length word, claiming 20 MB: refused without waiting for the rest.
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(new byte[] {0x01, 0x40, 0, 0});
            Message m = c.read();
            assertThat(m.type()).as(m.toString()).isEqualTo('E');
            assertThat(m.sqlState()).isEqualTo("08P01");
            assertThat(c.closedByPeer()).isTrue();
        }
        // A length smaller than the header itself.
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(new byte[] {0, 0, 0, 3, 0, 3, 0, 0});
            Message m = c.read();
            assertThat(m.type()).as(m.toString()).isEqualTo('E');
            assertThat(m.sqlState()).isEqualTo("08P01");
            assertThat(c.closedByPeer()).isTrue();
        }
        // An unknown protocol version.
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(0x00020000, params("user", "app", "database", DB)));
            Message m = c.read();
            assertThat(m.type()).as(m.toString()).isEqualTo('E');
            assertThat(m.fields().get('S')).isEqualTo("FATAL");
            assertThat(c.closedByPeer()).isTrue();
        }
        // The gateway is still serving.
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB)));
            expectReady(c);
        }
    }

    @Test
    void aCancelRequestWithAnUnknownKeyIsDroppedQuietly() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            byte[] key = {0x12, 0x34, 0x56, 0x78, 0x0a, 0x0b, 0x0c, 0x0d};
            c.send(WireClient.untyped(WireClient.CANCEL_REQUEST, key));
            assertThat(c.closedByPeer()).as("the gateway closes a cancel connection without replying").isTrue();
        }
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB)));
            expectReady(c);
            expectSelectOne(c);
        }
    }

    @Test
    void pipelinedSyncsWithAnErrorInTheMiddleGetTheSameRepliesAsFromTheBackend() throws Exception {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        batch.writeBytes(WireClient.extendedSync("select 1"));
        batch.writeBytes(WireClient.extendedSync("select 1/0"));
        batch.writeBytes(WireClient.extendedSync("select 3"));
        batch.writeBytes(WireClient.query("select 4"));   // simple query in the same TCP packet
        batch.writeBytes(WireClient.extendedSync("select 5"));

        List<List<Character>> viaGateway;
        List<List<Character>> direct;
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", "app", "database", DB)));
            expectReady(c);
            c.send(batch.toByteArray());
            viaGateway = readReplies(c, 5);
            expectSelectOne(c);
        }
        try (WireClient c = new WireClient(TestPostgres.port())) {
            c.send(startupPacket(PROTOCOL_3_0, params("user", TestPostgres.SUPERUSER, "database", DB)));
            expectReady(c);
            c.send(batch.toByteArray());
            direct = readReplies(c, 5);
        }
        assertThat(viaGateway).isEqualTo(direct);
        assertThat(viaGateway.get(0)).containsExactly('1', '2', 'D', 'C', 'Z');
        assertThat(viaGateway.get(1)).contains('E').endsWith('Z');
        assertThat(viaGateway.get(3)).containsExactly('T', 'D', 'C', 'Z');
        assertThat(viaGateway.get(4)).containsExactly('1', '2', 'D', 'C', 'Z');
    }

    /** The message types of the next {@code count} replies, each ending in ReadyForQuery. */
    private static List<List<Character>> readReplies(WireClient c, int count) throws Exception {
        List<List<Character>> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<Message> reply = c.readUntil('Z');
            for (Message m : reply) {
                if (m.type() == 'E') assertThat(m.sqlState()).as(m.toString()).isEqualTo("22012");
            }
            out.add(reply.stream().map(Message::type).toList());
        }
        return out;
    }
}
