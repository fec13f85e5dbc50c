package org.stonescriptdb.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class StartupDecoderTest {

    private static final int SSL = 80877103;
    private static final int GSSENC = 80877104;
    private static final int CANCEL = 80877102;

    // ---- well-formed packets, fed whole, one byte at a time and split at every offset ----

    @Test
    void sslRequest() {
        assertDecodesEverySplit(packet(SSL, new byte[0]), List.of(new StartupPacket.SslRequest()));
    }

    @Test
    void gssEncRequest() {
        assertDecodesEverySplit(packet(GSSENC, new byte[0]), List.of(new StartupPacket.GssEncRequest()));
    }

    @Test
    void cancelRequestKeepsProcessIdAndSecret() {
        byte[] body = Unpooled.buffer(8).writeInt(4242).writeInt(-123456789).array();
        assertDecodesEverySplit(packet(CANCEL, Arrays.copyOf(body, 8)), List.of(new StartupPacket.CancelRequest(4242, -123456789)));
    }

    @Test
    void startupMessage30KeepsParametersInOrder() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "alice");
        params.put("database", "demo_main");
        params.put("options", "-c search_path=app");
        params.put("application_name", "psql ünïcode");
        params.put("client_encoding", "UTF8");
        params.put("_pq_.command_tag", "off");
        params.put("DateStyle", "ISO, MDY");
        StartupPacket decoded = decodeOne(startup(3, 0, params));
        StartupPacket.StartupMessage m = (StartupPacket.StartupMessage) decoded;
        assertEquals(3, m.majorVersion());
        assertEquals(0, m.minorVersion());
        assertThat(m.parameters()).containsExactlyEntriesOf(params);
        assertThat(List.copyOf(m.parameters().keySet())).containsExactlyElementsOf(params.keySet());
        assertDecodesEverySplit(startup(3, 0, params), List.of(new StartupPacket.StartupMessage(3, 0, params)));
    }

    @Test
    void startupMessage32KeepsMinorVersion() {
        Map<String, String> params = Map.of("user", "bob");
        assertDecodesEverySplit(startup(3, 2, params), List.of(new StartupPacket.StartupMessage(3, 2, params)));
    }

    @Test
    void startupMessageWithEmptyValueAndNoParameters() {
        assertDecodesEverySplit(startup(3, 0, Map.of("user", "")), List.of(new StartupPacket.StartupMessage(3, 0, Map.of("user", ""))));
        assertDecodesEverySplit(startup(3, 0, Map.of()), List.of(new StartupPacket.StartupMessage(3, 0, Map.of())));
    }

    @Test
    void sslRequestThenStartupMessageInOneStream() {
        Map<String, String> params = Map.of("user", "u", "database", "demo_main");
        byte[] stream = concat(packet(SSL, new byte[0]), packet(GSSENC, new byte[0]), startup(3, 0, params));
        assertDecodesEverySplit(stream, List.of(new StartupPacket.SslRequest(), new StartupPacket.GssEncRequest(),
                new StartupPacket.StartupMessage(3, 0, params)));
    }

    @Test
    void lengthOfExactlyTenThousandIsAccepted() {
        byte[] start = startup(3, 0, Map.of("user", "u", "pad", ""));
        int padding = StartupDecoder.MAX_STARTUP_LENGTH - start.length;
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "u");
        params.put("pad", "x".repeat(padding));
        byte[] packet = startup(3, 0, params);
        assertEquals(10_000, packet.length);
        assertThat(decodeOne(packet)).isEqualTo(new StartupPacket.StartupMessage(3, 0, params));
    }

    // ---- malformed packets ----

    @Test
    void lengthBelowEightIsMalformedAsSoonAsTheLengthArrives() {
        for (int length : new int[]{0, 4, 7, -1, Integer.MIN_VALUE}) {
            assertMalformedOnLengthOnly(length, "invalid length of startup packet: " + length);
        }
    }

    @Test
    void lengthAboveTenThousandIsMalformedBeforeTheBodyArrives() {
        assertMalformedOnLengthOnly(10_001, "invalid length of startup packet: 10001");
        assertMalformedOnLengthOnly(Integer.MAX_VALUE, "invalid length of startup packet: " + Integer.MAX_VALUE);
    }

    @Test
    void tenThousandAndOneBytesWholeIsMalformed() {
        byte[] start = startup(3, 0, Map.of("user", "u", "pad", ""));
        byte[] packet = startup(3, 0, Map.of("user", "u", "pad", "x".repeat(10_001 - start.length)));
        assertEquals(10_001, packet.length);
        // The length alone decides; the decoder does not wait for (or buffer) the body.
        for (int at : new int[]{1, 2, 3, 4, 5, 8, 5000}) {
            List<StartupPacket> out = feed(List.of(Arrays.copyOfRange(packet, 0, at), Arrays.copyOfRange(packet, at, packet.length)));
            assertThat(out).containsExactly(new StartupPacket.Malformed("invalid length of startup packet: 10001"));
        }
        assertThat(feed(List.of(packet))).containsExactly(new StartupPacket.Malformed("invalid length of startup packet: 10001"));
    }

    @Test
    void sslRequestWithWrongLength() {
        assertMalformedEverySplit(packet(SSL, new byte[4]), "SSLRequest of length 12");
    }

    @Test
    void gssEncRequestWithWrongLength() {
        assertMalformedEverySplit(packet(GSSENC, new byte[1]), "GSSENCRequest of length 9");
    }

    @Test
    void cancelRequestWithWrongLength() {
        assertMalformedEverySplit(packet(CANCEL, new byte[4]), "CancelRequest of length 12");
        assertMalformedEverySplit(packet(CANCEL, new byte[12]), "CancelRequest of length 20");
    }

    @Test
    void parametersWithoutFinalTerminator() {
        assertMalformedEverySplit(packet(3 << 16, bytes("user\0bob\0")), "not NUL-terminated");
        assertMalformedEverySplit(packet(3 << 16, bytes("user")), "not NUL-terminated");
        assertMalformedEverySplit(packet(3 << 16, new byte[0]), "not NUL-terminated");
    }

    @Test
    void parameterWithoutValue() {
        assertMalformedEverySplit(packet(3 << 16, bytes("user\0")), "missing value for startup parameter \"user\"");
        assertMalformedEverySplit(packet(3 << 16, bytes("user\0bob\0database\0demo")),
                "missing value for startup parameter \"database\"");
    }

    @Test
    void bytesAfterTheTerminator() {
        assertMalformedEverySplit(packet(3 << 16, bytes("user\0bob\0\0junk")), "bytes after its terminator");
        assertMalformedEverySplit(packet(3 << 16, bytes("user\0bob\0\0\0")), "bytes after its terminator");
    }

    @Test
    void protocol20IsRefused() {
        assertMalformedEverySplit(packet(2 << 16, bytes("user\0bob\0\0")), "unsupported frontend protocol 2.0");
    }

    @Test
    void unknownMajorVersionsAreRefused() {
        assertMalformedEverySplit(packet(4 << 16, bytes("user\0bob\0\0")), "unsupported frontend protocol 4.0");
        // An unknown request code in the 1234.xxxx space (like the real ones) is no startup message either.
        assertMalformedEverySplit(packet((1234 << 16) | 5999, new byte[0]), "unsupported frontend protocol 1234.5999");
    }

    @Test
    void nothingIsDecodedAfterMalformedEvenInTheSameBuffer() {
        byte[] stream = concat(packet(SSL, new byte[4]), packet(SSL, new byte[0]), startup(3, 0, Map.of("user", "u")));
        for (List<byte[]> feeding : feedings(stream)) {
            List<StartupPacket> out = feed(feeding);
            assertThat(out).hasSize(1);
            assertThat(out.getFirst()).isInstanceOf(StartupPacket.Malformed.class);
        }
    }

    /**
     * A client may pipeline its first message behind the StartupMessage (the server buffers it until it
     * has authenticated the client). The decoder should hand over the StartupMessage and leave the typed bytes
     * after it to whatever replaces it in the pipeline; today it decodes them as another start-up packet
     * ('Q' 00 00 00 reads as length 1358954496) and emits a Malformed, which StartupHandler answers with
     * FATAL 08P01 — so the connection dies depending on how the client's bytes were segmented.
     */
    @Test
    void bytesAfterStartupMessageAreLeftForTheNextHandler() {
        byte[] query = typed('Q', bytes("SELECT 1\0"));
        byte[] stream = concat(startup(3, 0, Map.of("user", "u")), query);
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        ByteBuf in = Unpooled.wrappedBuffer(stream);
        channel.writeInbound(in);
        Object first = channel.readInbound();
        assertThat(first).isEqualTo(new StartupPacket.StartupMessage(3, 0, Map.of("user", "u")));
        Object second = channel.readInbound();
        try {
            assertThat(second).as("nothing but the StartupMessage is decoded").isNull();
            channel.pipeline().remove(StartupDecoder.class);
            ByteBuf rest = channel.readInbound();
            assertThat(ByteBufUtil.getBytes(rest)).isEqualTo(query);
            rest.release();
        } finally {
            if (second instanceof ByteBuf b) b.release();
        }
        assertFalse(channel.finish());
        assertEquals(0, in.refCnt());
    }

    @Test
    void sslRequestThenStartupMessageThenQueryInOneRead() {
        byte[] query = typed('Q', bytes("SELECT 1\0"));
        byte[] stream = concat(packet(SSL, new byte[0]), startup(3, 0, Map.of("user", "u")), query);
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        ByteBuf in = Unpooled.wrappedBuffer(stream);
        channel.writeInbound(in);
        assertThat((Object) channel.readInbound()).isEqualTo(new StartupPacket.SslRequest());
        assertThat((Object) channel.readInbound()).isEqualTo(new StartupPacket.StartupMessage(3, 0, Map.of("user", "u")));
        assertThat((Object) channel.readInbound()).isNull();
        // More bytes in later reads are kept too, behind the first ones.
        ByteBuf later = Unpooled.wrappedBuffer(query);
        channel.writeInbound(later);
        assertThat((Object) channel.readInbound()).isNull();
        channel.pipeline().remove(StartupDecoder.class);
        ByteBuf rest = channel.readInbound();
        assertThat(ByteBufUtil.getBytes(rest)).isEqualTo(concat(query, query));
        rest.release();
        assertFalse(channel.finish());
        assertEquals(0, in.refCnt());
        assertEquals(0, later.refCnt());
    }

    @Test
    void leftoverAfterStartupMessageIsReleasedIfTheClientCloses() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        ByteBuf in = Unpooled.wrappedBuffer(concat(startup(3, 0, Map.of("user", "u")), typed('Q', bytes("SELECT 1\0"))));
        channel.writeInbound(in);
        assertThat((Object) channel.readInbound()).isInstanceOf(StartupPacket.StartupMessage.class);
        assertFalse(channel.finish());
        assertEquals(0, in.refCnt());
    }

    // ---- helpers ----

    private static void assertMalformedOnLengthOnly(int length, String reason) {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        List<ByteBuf> inputs = new ArrayList<>();
        ByteBuf head = Unpooled.buffer(4).writeInt(length);
        inputs.add(head);
        channel.writeInbound(head);
        StartupPacket p = channel.readInbound();
        assertThat(p).isEqualTo(new StartupPacket.Malformed(reason));
        // Whatever follows is swallowed.
        ByteBuf more = Unpooled.wrappedBuffer(packet(SSL, new byte[0]));
        inputs.add(more);
        channel.writeInbound(more);
        assertThat((Object) channel.readInbound()).isNull();
        assertFalse(channel.finish());
        inputs.forEach(b -> assertEquals(0, b.refCnt(), "input released"));
    }

    private static void assertMalformedEverySplit(byte[] packet, String reasonFragment) {
        for (List<byte[]> feeding : feedings(packet)) {
            List<byte[]> withMore = new ArrayList<>(feeding);
            withMore.add(packet(SSL, new byte[0]));
            withMore.add(startup(3, 0, Map.of("user", "u")));
            List<StartupPacket> out = feed(withMore);
            assertThat(out).as("split %s", sizes(feeding)).hasSize(1);
            assertThat(out.getFirst()).isInstanceOf(StartupPacket.Malformed.class);
            assertThat(((StartupPacket.Malformed) out.getFirst()).reason()).contains(reasonFragment);
        }
    }

    private static void assertDecodesEverySplit(byte[] stream, List<StartupPacket> expected) {
        for (List<byte[]> feeding : feedings(stream)) {
            assertThat(feed(feeding)).as("split %s", sizes(feeding)).containsExactlyElementsOf(expected);
        }
    }

    private static StartupPacket decodeOne(byte[] packet) {
        List<StartupPacket> out = feed(List.of(packet));
        assertThat(out).hasSize(1);
        return out.getFirst();
    }

    /** Feeds the pieces as separate reads; checks every input is released and nothing is left over. */
    private static List<StartupPacket> feed(List<byte[]> pieces) {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder());
        List<ByteBuf> inputs = new ArrayList<>();
        List<StartupPacket> out = new ArrayList<>();
        for (byte[] piece : pieces) {
            ByteBuf in = Unpooled.buffer(piece.length).writeBytes(piece);
            inputs.add(in);
            channel.writeInbound(in);
            for (Object o; (o = channel.readInbound()) != null; ) out.add((StartupPacket) o);
        }
        assertFalse(channel.finish());
        for (ByteBuf in : inputs) assertEquals(0, in.refCnt(), "input buffer released");
        return out;
    }

    /** The stream whole, one byte at a time, and split in two at every offset. */
    static List<List<byte[]>> feedings(byte[] stream) {
        List<List<byte[]>> out = new ArrayList<>();
        out.add(List.of(stream));
        List<byte[]> single = new ArrayList<>();
        for (byte b : stream) single.add(new byte[]{b});
        out.add(single);
        for (int i = 1; i < stream.length; i++) {
            out.add(List.of(Arrays.copyOfRange(stream, 0, i), Arrays.copyOfRange(stream, i, stream.length)));
        }
        return out;
    }

    private static String sizes(List<byte[]> feeding) {
        return feeding.size() > 3 ? feeding.size() + " pieces" : feeding.stream().map(b -> String.valueOf(b.length)).toList().toString();
    }

    static byte[] startup(int major, int minor, Map<String, String> params) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        params.forEach((k, v) -> {
            body.writeBytes(bytes(k + "\0"));
            body.writeBytes(bytes(v + "\0"));
        });
        body.write(0);
        return packet((major << 16) | minor, body.toByteArray());
    }

    static byte[] packet(int code, byte[] body) {
        ByteBuf b = Unpooled.buffer(8 + body.length);
        b.writeInt(8 + body.length).writeInt(code).writeBytes(body);
        return b.array().length == b.writerIndex() ? b.array() : Arrays.copyOf(b.array(), b.writerIndex());
    }

    private static byte[] typed(char type, byte[] body) {
        ByteBuf b = Unpooled.buffer().writeByte(type).writeInt(4 + body.length).writeBytes(body);
        return ByteBufUtil.getBytes(b);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
