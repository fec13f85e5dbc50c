package org.stonescriptdb.gateway.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes written up to a cap, kept in chunks that are never copied again (a growing array would briefly hold one
 * and a half times the answer); one byte past the cap fails the write, so memory never passes the cap.
 */
final class CappedOutput extends OutputStream {

    /** The write that would have passed the cap. */
    static final class Full extends IOException {
        Full(long cap) {
            super("more than " + cap + " bytes", null);
        }
    }

    private static final int FIRST_CHUNK = 8 * 1024;
    private static final int LARGEST_CHUNK = 1024 * 1024;

    private final long cap;
    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] current;
    private int used;
    private long size;
    private boolean full;

    CappedOutput(long cap) {
        this.cap = cap;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (size + len > cap) {
            full = true;
            throw new Full(cap);
        }
        while (len > 0) {
            if (current == null || used == current.length) nextChunk();
            int n = Math.min(len, current.length - used);
            System.arraycopy(b, off, current, used, n);
            used += n;
            size += n;
            off += n;
            len -= n;
        }
    }

    /** Whether a write was refused for passing the cap (however a caller wrapped the failure). */
    boolean full() {
        return full;
    }

    long size() {
        return size;
    }

    /** What was written, as buffers over the chunks themselves. */
    List<ByteBuffer> buffers() {
        List<ByteBuffer> out = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            out.add(ByteBuffer.wrap(chunk, 0, i == chunks.size() - 1 ? used : chunk.length));
        }
        return out;
    }

    private void nextChunk() {
        int length = current == null ? FIRST_CHUNK : Math.min(LARGEST_CHUNK, current.length * 2);
        // No chunk reaches past the cap (there is room for at least one byte: the write was checked against it).
        current = new byte[(int) Math.min(length, cap - size)];
        chunks.add(current);
        used = 0;
    }
}
