package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.codec.StartupDecoder;
import org.stonescriptdb.gateway.codec.StartupPacket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.stonescriptdb.gateway.protocol.ServerMessagesTest.next;

class ClientMessagesTest {

    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final List<ByteBuf> made = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        for (ByteBuf b : made) {
            if (b.refCnt() > 0) b.release();
            assertEquals(0, b.refCnt());
        }
    }

    private ByteBuf keep(ByteBuf b) {
        made.add(b);
        return b;
    }

    /** Decodes an untyped start-up packet with the gateway's own decoder. */
    private static StartupPacket decodeStartup(ByteBuf packet) {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        channel.writeInbound(packet.retain());
        StartupPacket decoded = channel.readInbound();
        assertFalse(channel.finish());
        return decoded;
    }

    @Test
    void startupRoundTripsThroughStartupDecoder() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "gw");
        params.put("database", "demo_acme");
        params.put("application_name", "stonescriptdb ✓");
        params.put("client_encoding", "UTF8");
        ByteBuf buf = keep(ClientMessages.startup(alloc, params));
        assertEquals(buf.readableBytes(), buf.getInt(0));
        assertEquals(196608, buf.getInt(4));
        StartupPacket decoded = decodeStartup(buf);
        assertThat(decoded).isEqualTo(new StartupPacket.StartupMessage(3, 0, params));
        assertThat(((StartupPacket.StartupMessage) decoded).parameters().keySet()).containsExactlyElementsOf(params.keySet());
    }

    @Test
    void cancelRequestRoundTrips() {
        ByteBuf buf = keep(ClientMessages.cancelRequest(alloc, 777, -42));
        assertEquals(16, buf.readableBytes());
        assertEquals(16, buf.getInt(0));
        assertEquals(new StartupPacket.CancelRequest(777, -42), decodeStartup(buf));
    }

    @Test
    void password() {
        ByteBuf buf = keep(ClientMessages.password(alloc, "md5abc"));
        ByteBuf body = next(buf, 'p');
        assertEquals("md5abc", Wire.readCString(body));
        assertFalse(body.isReadable());
        assertFalse(buf.isReadable());
    }

    @Test
    void saslInitialResponse() {
        byte[] data = "n,,n=,r=abc".getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = keep(ClientMessages.saslInitialResponse(alloc, "SCRAM-SHA-256", data));
        ByteBuf body = next(buf, 'p');
        assertEquals("SCRAM-SHA-256", Wire.readCString(body));
        assertEquals(data.length, body.readInt());
        assertArrayEquals(data, ByteBufUtil.getBytes(body));
        assertFalse(buf.isReadable());
    }

    @Test
    void saslResponse() {
        byte[] data = "c=biws,r=abcdef,p=xyz=".getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = keep(ClientMessages.saslResponse(alloc, data));
        ByteBuf body = next(buf, 'p');
        assertArrayEquals(data, ByteBufUtil.getBytes(body));
        assertFalse(buf.isReadable());
    }

    @Test
    void query() {
        String sql = "SELECT 'ünïcode ✓' AS x";
        ByteBuf buf = keep(ClientMessages.query(alloc, sql));
        ByteBuf body = next(buf, 'Q');
        assertEquals(sql, Wire.readCString(body));
        assertFalse(body.isReadable());
        assertFalse(buf.isReadable());
    }

    @Test
    void setConfigSendsValuesAsBoundParametersNeverAsSql() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("search_path", "app'; DROP TABLE t; --");
        settings.put("application_name", "ünï ✓");
        settings.put("empty", "");
        ByteBuf buf = keep(ClientMessages.setConfig(alloc, settings));

        ByteBuf parse = next(buf, 'P');
        assertEquals("", Wire.readCString(parse));
        assertEquals("SELECT pg_catalog.set_config($1, $2, false)", Wire.readCString(parse));
        assertEquals(0, parse.readShort());
        assertFalse(parse.isReadable());

        for (Map.Entry<String, String> setting : settings.entrySet()) {
            ByteBuf bind = next(buf, 'B');
            assertEquals("", Wire.readCString(bind), "unnamed portal");
            assertEquals("", Wire.readCString(bind), "unnamed statement");
            assertEquals(0, bind.readShort(), "parameter formats: all text");
            assertEquals(2, bind.readShort());
            for (String value : List.of(setting.getKey(), setting.getValue())) {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                assertEquals(bytes.length, bind.readInt());
                assertArrayEquals(bytes, ByteBufUtil.getBytes(bind.readSlice(bytes.length)));
            }
            assertEquals(0, bind.readShort(), "result formats: all text");
            assertFalse(bind.isReadable());

            ByteBuf execute = next(buf, 'E');
            assertEquals("", Wire.readCString(execute));
            assertEquals(0, execute.readInt(), "no row limit");
            assertFalse(execute.isReadable());
        }
        ByteBuf sync = next(buf, 'S');
        assertFalse(sync.isReadable());
        assertFalse(buf.isReadable());
    }

    @Test
    void setConfigWithNothingToSetBindsNothingAndEndsWithSync() {
        ByteBuf buf = keep(ClientMessages.setConfig(alloc, Map.of()));
        List<Character> types = new ArrayList<>();
        while (buf.isReadable()) {
            char type = (char) buf.getByte(buf.readerIndex());
            next(buf, type);
            types.add(type);
        }
        // A Parse of the set_config statement may or may not be sent; nothing is bound or executed.
        assertThat(types).doesNotContain('B', 'E').last().isEqualTo('S');
        assertThat(types).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void terminate() {
        ByteBuf buf = keep(ClientMessages.terminate(alloc));
        assertArrayEquals(new byte[]{'X', 0, 0, 0, 4}, ByteBufUtil.getBytes(buf));
    }

    @Test
    void requestCodes() {
        assertEquals((1234 << 16) | 5678, ClientMessages.CANCEL_REQUEST_CODE);
        assertEquals((1234 << 16) | 5679, ClientMessages.SSL_REQUEST_CODE);
        assertEquals((1234 << 16) | 5680, ClientMessages.GSSENC_REQUEST_CODE);
        assertEquals(3 << 16, ClientMessages.PROTOCOL_3_0);
    }

    /** Type and first C string (a statement or portal name, or the query text) of each message in a buffer. */
    private static List<String> typesAndNames(ByteBuf buf) {
        List<String> out = new ArrayList<>();
        int at = buf.readerIndex();
        while (at < buf.writerIndex()) {
            char type = (char) buf.getByte(at);
            int length = buf.getInt(at + 1);
            int body = at + 5;
            if (type == 'D' || type == 'C') body++; // Describe/Close: the 'S'/'P' target byte first
            int end = body;
            while (end < at + 1 + length && buf.getByte(end) != 0) end++;
            out.add(type + ":" + buf.toString(body, end - body, StandardCharsets.UTF_8));
            at += 1 + length;
        }
        return out;
    }

    /**
     * The pipelined reset closes the marker first, runs every reset statement and what follows in one batch, prepares
     * the marker last before the one Sync; the check describes and closes it — so the client's messages behind it run
     * only if the whole batch did.
     */
    @Test
    void thePipelinedResetPreparesItsMarkerLastAndTheCheckDescribesIt() {
        ByteBuf buf = keep(alloc.buffer());
        ClientMessages.pipelinedReset(buf, "_ssg_reset_m", false, more -> ClientMessages.appendSessionSync(more,
                Map.of("application_name", "app"), List.of(), List.of("_ssg_x_9")));
        ClientMessages.resetCheck(buf, "_ssg_reset_m");
        List<String> expected = new ArrayList<>();
        expected.add("C:_ssg_reset_m");
        for (String sql : ClientMessages.SESSION_RESET_STATEMENTS) {
            expected.addAll(List.of("P:", "B:", "E:"));
        }
        expected.addAll(List.of("C:_ssg_x_9", "P:", "B:", "E:", "P:_ssg_reset_m", "S:", "D:_ssg_reset_m", "C:_ssg_reset_m"));
        assertThat(typesAndNames(buf)).containsExactlyElementsOf(expected);
        assertThat(buf.toString(StandardCharsets.UTF_8)).as("no client value in SQL text").doesNotContain("app'");
    }

    @Test
    void theUnsyncedResetIsDiscardAllAloneWithNoSyncSoTheClientsMessagesJoinItsBatch() {
        ByteBuf buf = keep(alloc.buffer());
        ClientMessages.pipelinedDiscardAll(buf);
        assertThat(typesAndNames(buf)).containsExactly("P:", "B:", "E:");
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("DISCARD ALL");
    }
}
