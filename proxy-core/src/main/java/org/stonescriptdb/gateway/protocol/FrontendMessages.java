package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * Reading and rewriting the client messages that name prepared statements (Parse, Bind, Describe, Close).
 * Every method takes a whole message, type and length included, and leaves its reader index alone.
 */
public final class FrontendMessages {

    private FrontendMessages() {
    }

    /** A Parse: the client's statement name and everything after it (query, parameter count, type oids). */
    public record Parse(String name, byte[] tail) {
        /** The query text. */
        public String query() {
            int end = 0;
            while (end < tail.length && tail[end] != 0) end++;
            return new String(tail, 0, end, StandardCharsets.UTF_8);
        }
    }

    public static Parse parse(ByteBuf message) {
        int start = message.readerIndex() + 5;
        int nameEnd = terminator(message, start);
        String name = message.toString(start, nameEnd - start, StandardCharsets.UTF_8);
        int tailStart = nameEnd + 1;
        byte[] tail = ByteBufUtil.getBytes(message, tailStart, message.writerIndex() - tailStart);
        return new Parse(name, tail);
    }

    /** The statement a Bind names (the second string, after the portal). */
    public static String bindStatement(ByteBuf message) {
        int portalEnd = terminator(message, message.readerIndex() + 5);
        int nameEnd = terminator(message, portalEnd + 1);
        return message.toString(portalEnd + 1, nameEnd - portalEnd - 1, StandardCharsets.UTF_8);
    }

    /** 'S' (statement) or 'P' (portal): the target kind of a Describe or Close. */
    public static byte target(ByteBuf message) {
        return message.getByte(message.readerIndex() + 5);
    }

    /** The name a Describe or Close targets. */
    public static String targetName(ByteBuf message) {
        int start = message.readerIndex() + 6;
        return message.toString(start, terminator(message, start) - start, StandardCharsets.UTF_8);
    }

    public static ByteBuf encodeParse(ByteBufAllocator alloc, String name, byte[] tail) {
        ByteBuf buf = alloc.buffer(6 + name.length() + tail.length);
        int at = Wire.begin(buf, FrontendType.PARSE);
        Wire.writeCString(buf, name);
        buf.writeBytes(tail);
        Wire.finish(buf, at);
        return buf;
    }

    /**
     * A Bind naming {@code statement} instead of the client's name. The parameter values are not copied: the
     * result is a composite of a new header and a slice of the original (whose ownership passes to it).
     */
    public static ByteBuf renameBind(ByteBufAllocator alloc, ByteBuf bind, String statement) {
        int portalEnd = terminator(bind, bind.readerIndex() + 5);
        int nameEnd = terminator(bind, portalEnd + 1);
        int restStart = nameEnd + 1;
        int restLength = bind.writerIndex() - restStart;
        byte[] portal = ByteBufUtil.getBytes(bind, bind.readerIndex() + 5, portalEnd - bind.readerIndex() - 5 + 1);
        byte[] name = statement.getBytes(StandardCharsets.UTF_8);
        ByteBuf header = alloc.buffer(5 + portal.length + name.length + 1);
        header.writeByte(FrontendType.BIND);
        header.writeInt(4 + portal.length + name.length + 1 + restLength);
        header.writeBytes(portal);
        header.writeBytes(name);
        header.writeByte(0);
        ByteBuf rest = bind.retainedSlice(restStart, restLength);
        bind.release();
        return alloc.compositeBuffer(2).addComponents(true, header, rest);
    }

    /** A Describe or Close of a statement, by gateway name. */
    public static ByteBuf encodeTarget(ByteBufAllocator alloc, byte type, byte target, String name) {
        ByteBuf buf = alloc.buffer(7 + name.length());
        int at = Wire.begin(buf, type);
        buf.writeByte(target);
        Wire.writeCString(buf, name);
        Wire.finish(buf, at);
        return buf;
    }

    public static ByteBuf parseComplete(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('1').writeInt(4);
    }

    public static ByteBuf closeComplete(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('3').writeInt(4);
    }

    public static ByteBuf commandComplete(ByteBufAllocator alloc, String tag) {
        ByteBuf buf = alloc.buffer(6 + tag.length());
        int at = Wire.begin(buf, BackendType.COMMAND_COMPLETE);
        Wire.writeCString(buf, tag);
        Wire.finish(buf, at);
        return buf;
    }

    public static ByteBuf flush(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte(FrontendType.FLUSH).writeInt(4);
    }

    public static ByteBuf sync(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte(FrontendType.SYNC).writeInt(4);
    }

    /** Where the string that starts at {@code from} ends: its NUL, or the end of the message when it has none. */
    public static int stringEnd(ByteBuf buf, int from) {
        int end = buf.indexOf(from, buf.writerIndex(), (byte) 0);
        return end < 0 ? buf.writerIndex() : end;
    }

    /** Where the NUL ending the string that starts at {@code from} is. */
    public static int terminator(ByteBuf buf, int from) {
        int end = buf.indexOf(from, buf.writerIndex(), (byte) 0);
        if (end < 0) throw new IllegalArgumentException("string without terminator");
        return end;
    }
}
