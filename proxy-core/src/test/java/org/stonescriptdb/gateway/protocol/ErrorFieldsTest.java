package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorFieldsTest {

    /** An ErrorResponse body as a server sends it: field code, C string, ..., zero. */
    private static ByteBuf body(String... codeAndValues) {
        ByteBuf b = Unpooled.buffer();
        for (int i = 0; i < codeAndValues.length; i += 2) {
            b.writeByte(codeAndValues[i].charAt(0));
            b.writeBytes(codeAndValues[i + 1].getBytes(StandardCharsets.UTF_8)).writeByte(0);
        }
        return b.writeByte(0);
    }

    private static ErrorFields decodeAndRelease(ByteBuf b) {
        try {
            return ErrorFields.decode(b);
        } finally {
            b.release();
        }
    }

    @Test
    void decodesWhatARealServerSends() {
        ByteBuf b = body("S", "ERREUR", "V", "ERROR", "C", "42P01", "M", "relation \"t\" does not exist", "P", "15",
                "F", "parse_relation.c", "L", "1449", "R", "parserOpenTable");
        ErrorFields e = ErrorFields.decode(b);
        assertEquals(new ErrorFields("ERROR", "42P01", "relation \"t\" does not exist", null), e);
        assertFalse(b.isReadable(), "reads through the terminating zero");
        b.release();
    }

    @Test
    void nonLocalisedSeverityWinsWhicheverComesFirst() {
        assertEquals("FATAL", decodeAndRelease(body("V", "FATAL", "S", "FATAL-LOCALISED")).severity());
        assertEquals("FATAL", decodeAndRelease(body("S", "FATAL-LOCALISED", "V", "FATAL")).severity());
    }

    @Test
    void localisedSeverityIsTheFallback() {
        assertEquals("PANIC", decodeAndRelease(body("S", "PANIC", "C", "XX000", "M", "m")).severity());
    }

    @Test
    void detailAndMissingFields() {
        ErrorFields e = decodeAndRelease(body("D", "some detail", "M", "msg"));
        assertNull(e.severity());
        assertNull(e.code());
        assertEquals("msg", e.message());
        assertEquals("some detail", e.detail());
        assertFalse(e.fatal());
        assertEquals(new ErrorFields(null, null, null, null), decodeAndRelease(Unpooled.buffer().writeByte(0)));
        assertEquals(new ErrorFields(null, null, null, null), decodeAndRelease(Unpooled.buffer()));
    }

    @Test
    void fatalSeverities() {
        assertTrue(new ErrorFields("FATAL", "x", "m", null).fatal());
        assertTrue(new ErrorFields("PANIC", "x", "m", null).fatal());
        assertFalse(new ErrorFields("ERROR", "x", "m", null).fatal());
        assertFalse(new ErrorFields(null, "x", "m", null).fatal());
        assertEquals("FATAL 08P01 boom", new ErrorFields("FATAL", "08P01", "boom", null).toString());
    }

    @Test
    void decodeMessageSkipsTypeAndLengthWithoutMovingTheReader() {
        ByteBuf fields = body("V", "ERROR", "C", "22012", "M", "division by zero");
        ByteBuf message = Unpooled.buffer().writeByte('E').writeInt(4 + fields.readableBytes()).writeBytes(fields);
        fields.release();
        assertEquals(new ErrorFields("ERROR", "22012", "division by zero", null), ErrorFields.decodeMessage(message));
        assertEquals(0, message.readerIndex());
        message.release();
    }

    @Test
    void unterminatedFieldIsRefused() {
        ByteBuf b = Unpooled.buffer().writeByte('M').writeBytes("no terminator".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> ErrorFields.decode(b)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("terminator");
        b.release();
        assertEquals(0, b.refCnt());
    }
}
