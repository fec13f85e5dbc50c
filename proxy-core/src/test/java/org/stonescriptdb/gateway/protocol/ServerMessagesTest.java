package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerMessagesTest {

    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final List<ByteBuf> made = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        for (ByteBuf b : made) {
            b.release();
            assertEquals(0, b.refCnt());
        }
    }

    private ByteBuf keep(ByteBuf b) {
        made.add(b);
        return b;
    }

    /** Reads one typed message: checks the type and that the length field covers exactly the message; returns the body. */
    static ByteBuf next(ByteBuf buf, char type) {
        assertTrue(buf.readableBytes() >= 5, "room for a header");
        assertEquals((byte) type, buf.readByte(), "message type");
        int length = buf.readInt();
        assertTrue(length >= 4 && length - 4 <= buf.readableBytes(), "length " + length + " within the buffer");
        return buf.readSlice(length - 4);
    }

    @Test
    void authenticationOk() {
        ByteBuf buf = keep(ServerMessages.authenticationOk(alloc));
        ByteBuf body = next(buf, 'R');
        assertEquals(0, body.readInt());
        assertFalse(body.isReadable());
        assertFalse(buf.isReadable());
    }

    @Test
    void parameterStatusOneMessagePerParameterInOrder() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("server_version", "17.6");
        params.put("client_encoding", "UTF8");
        params.put("application_name", "ünïcode ✓");
        params.put("empty", "");
        ByteBuf buf = keep(ServerMessages.parameterStatus(alloc, params));
        Map<String, String> decoded = new LinkedHashMap<>();
        while (buf.isReadable()) {
            ByteBuf body = next(buf, 'S');
            decoded.put(Wire.readCString(body), Wire.readCString(body));
            assertFalse(body.isReadable());
        }
        assertThat(decoded).containsExactlyEntriesOf(params);
        assertFalse(keep(ServerMessages.parameterStatus(alloc, Map.of())).isReadable());
    }

    @Test
    void backendKeyData() {
        ByteBuf buf = keep(ServerMessages.backendKeyData(alloc, 12345, -987654321));
        assertEquals(13, buf.readableBytes());
        ByteBuf body = next(buf, 'K');
        assertEquals(12345, body.readInt());
        assertEquals(-987654321, body.readInt());
        assertFalse(body.isReadable());
    }

    @Test
    void readyForQuery() {
        for (TransactionStatus status : TransactionStatus.values()) {
            ByteBuf buf = keep(ServerMessages.readyForQuery(alloc, status));
            ByteBuf body = next(buf, 'Z');
            assertEquals(status.code(), body.readByte());
            assertEquals(status, TransactionStatus.of(status.code()));
            assertFalse(body.isReadable());
            assertFalse(buf.isReadable());
        }
    }

    @Test
    void negotiateProtocolVersion() {
        ByteBuf buf = keep(ServerMessages.negotiateProtocolVersion(alloc, ClientMessages.PROTOCOL_3_0, List.of("_pq_.a", "_pq_.b")));
        ByteBuf body = next(buf, 'v');
        assertEquals(196608, body.readInt());
        assertEquals(2, body.readInt());
        assertEquals("_pq_.a", Wire.readCString(body));
        assertEquals("_pq_.b", Wire.readCString(body));
        assertFalse(body.isReadable());
        assertFalse(buf.isReadable());

        ByteBuf none = keep(ServerMessages.negotiateProtocolVersion(alloc, ClientMessages.PROTOCOL_3_0, List.of()));
        ByteBuf noneBody = next(none, 'v');
        assertEquals(196608, noneBody.readInt());
        assertEquals(0, noneBody.readInt());
        assertFalse(noneBody.isReadable());
    }

    @Test
    void errorRoundTripsThroughErrorFields() {
        ByteBuf buf = keep(ServerMessages.error(alloc, "ERROR", SqlState.INVALID_CATALOG_NAME, "database \"x_y\" does not exist"));
        int total = buf.readableBytes();
        ErrorFields decoded = ErrorFields.decodeMessage(buf);
        assertEquals(new ErrorFields("ERROR", "3D000", "database \"x_y\" does not exist", null), decoded);
        assertFalse(decoded.fatal());
        ByteBuf body = next(buf, 'E');
        assertEquals(total - 5, body.readableBytes());
        assertEquals(0, body.getByte(body.writerIndex() - 1), "terminated by a zero byte");
        assertFalse(buf.isReadable());
    }

    @Test
    void errorCarriesSeverityTwiceCodeMessageAndDetail() {
        ByteBuf buf = keep(ServerMessages.error(alloc, new ErrorFields("FATAL", "53300", "too many ✓", "pool demo_main is full")));
        ByteBuf body = next(buf, 'E');
        Map<Character, String> fields = new LinkedHashMap<>();
        while (true) {
            byte code = body.readByte();
            if (code == 0) break;
            fields.put((char) code, Wire.readCString(body));
        }
        assertFalse(body.isReadable());
        Map<Character, String> expected = new LinkedHashMap<>();
        expected.put('S', "FATAL");
        expected.put('V', "FATAL");
        expected.put('C', "53300");
        expected.put('M', "too many ✓");
        expected.put('D', "pool demo_main is full");
        assertThat(fields).containsExactlyEntriesOf(expected);
        buf.readerIndex(0);
        assertEquals(new ErrorFields("FATAL", "53300", "too many ✓", "pool demo_main is full"), ErrorFields.decodeMessage(buf));
    }

    @Test
    void fatal() {
        ByteBuf buf = keep(ServerMessages.fatal(alloc, SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet: 3"));
        ErrorFields e = ErrorFields.decodeMessage(buf);
        assertEquals("FATAL", e.severity());
        assertEquals("08P01", e.code());
        assertTrue(e.fatal());
        assertNull(e.detail());
        assertEquals(buf.readableBytes() - 1, buf.getInt(1));
        // S, V and C fields of 7 bytes each, M with its terminator, the final zero, and the length itself.
        int messageBytes = "invalid length of startup packet: 3".getBytes(StandardCharsets.UTF_8).length;
        assertEquals(4 + 7 + 7 + 7 + (1 + messageBytes + 1) + 1, buf.getInt(1));
    }
}
