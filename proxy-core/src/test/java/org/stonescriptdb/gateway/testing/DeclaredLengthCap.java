package org.stonescriptdb.gateway.testing;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Follows how the gateway frames what one fuzz client sends ({@code type, int32 length, body}, one after the other)
 * and keeps every length it will read at most {@link FrontendMutator#MAX_DECLARED_LENGTH}: a mutation that shifts the
 * framing makes the gateway read a length from the middle of a body, which may be anything up to a gigabyte. Such a
 * length is cut down (it may become one below 4: a broken stream, as good a case as any). A header split between two
 * writes is held back and sent with the next one, so it is always seen whole before it goes out.
 */
public final class DeclaredLengthCap {

    /** The largest length the gateway accepts at all; above it, it refuses the stream without reading further. */
    private static final int PROTOCOL_MAX = 0x3FFF_FFFF;

    private long bodyLeft;
    private byte[] heldBack = new byte[0];
    /** The gateway gave up on the stream at an impossible length: it reads nothing after it. */
    private boolean abandoned;

    /** The bytes to send now: {@code bytes} after what was held back, lengths capped, an incomplete header held back. */
    public byte[] next(byte[] bytes) {
        byte[] all = RawFrontend.concat(heldBack, bytes);
        heldBack = new byte[0];
        int i = 0;
        while (i < all.length && !abandoned) {
            if (bodyLeft > 0) {
                int n = (int) Math.min(bodyLeft, all.length - i);
                i += n;
                bodyLeft -= n;
                continue;
            }
            if (all.length - i < 5) {
                heldBack = Arrays.copyOfRange(all, i, all.length);
                return Arrays.copyOf(all, i);
            }
            ByteBuffer header = ByteBuffer.wrap(all);
            int length = header.getInt(i + 1);
            if (length > FrontendMutator.MAX_DECLARED_LENGTH && length <= PROTOCOL_MAX) {
                length %= FrontendMutator.MAX_DECLARED_LENGTH;
                header.putInt(i + 1, length);
            }
            if (length < 4 || length > PROTOCOL_MAX) abandoned = true;
            bodyLeft = length - 4L;
            i += 5;
        }
        return all;
    }
}
