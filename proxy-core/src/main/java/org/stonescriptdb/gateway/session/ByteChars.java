package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;

/**
 * A range of a buffer seen as characters, one per byte, without decoding or copying it: enough for looking for
 * ASCII keywords, since in UTF-8 every byte of a multi-byte character is 0x80 or above and matches none.
 */
final class ByteChars implements CharSequence {

    private final ByteBuf buf;
    private final int from;
    private final int length;

    ByteChars(ByteBuf buf, int from, int to) {
        this.buf = buf;
        this.from = from;
        this.length = to - from;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) (buf.getByte(from + index) & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new ByteChars(buf, from + start, from + end);
    }

    @Override
    public String toString() {
        return buf.toString(from, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
