package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The bytes of a range of a buffer seen as characters, one per byte, without decoding them: enough for looking for
 * ASCII keywords, since in UTF-8 every byte of a multi-byte character is 0x80 or above and matches none; decoded
 * only if asked for ({@link #toString}). The bytes
 * are copied once (one bulk read, cheaper than a String and than a buffer access per character, which a
 * leak-tracking buffer records one by one).
 */
final class ByteChars implements CharSequence {

    private final byte[] bytes;
    private final int from;
    private final int length;
    private String text;

    ByteChars(ByteBuf buf, int from, int to) {
        this(new byte[to - from], 0, to - from);
        buf.getBytes(from, bytes);
    }

    private ByteChars(byte[] bytes, int from, int length) {
        this.bytes = bytes;
        this.from = from;
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) (bytes[from + index] & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new ByteChars(bytes, from + start, end - start);
    }

    /** The bytes decoded as UTF-8 (once). */
    @Override
    public String toString() {
        if (text == null) text = new String(bytes, from, length, StandardCharsets.UTF_8);
        return text;
    }
}
