package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/** Primitive reads and writes of the wire format: C strings and length back-patching. */
public final class Wire {

    private Wire() {
    }

    /** Reads a NUL-terminated UTF-8 string; fails if there is no terminator. */
    public static String readCString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) throw new IllegalArgumentException("string without terminator");
        String s = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return s;
    }

    public static void writeCString(ByteBuf buf, String s) {
        ByteBufUtil.writeUtf8(buf, s);
        buf.writeByte(0);
    }

    /** Starts a typed message; returns the index of its length field for {@link #finish}. */
    public static int begin(ByteBuf buf, byte type) {
        buf.writeByte(type);
        int lengthAt = buf.writerIndex();
        buf.writeInt(0);
        return lengthAt;
    }

    /** Fills in the length of a message begun at {@code lengthAt}. */
    public static void finish(ByteBuf buf, int lengthAt) {
        buf.setInt(lengthAt, buf.writerIndex() - lengthAt);
    }
}
