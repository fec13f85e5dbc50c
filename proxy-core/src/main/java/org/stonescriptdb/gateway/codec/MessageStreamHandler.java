package org.stonescriptdb.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Splits a stream of typed protocol messages ({@code byte type, int32 length, body}) without copying it.
 *
 * <p>Messages the subclass passes through are forwarded as retained slices of the read buffer, consecutive
 * ones as a single slice (the last run of a read as the read buffer itself), and a pass-through message split across
 * reads is forwarded piece by piece as it arrives (so a large DataRow or CopyData is never buffered whole). Messages
 * the subclass wants to read are handed over complete, in order, each as a buffer the subclass owns. Only a header split across reads, or
 * such a message split across reads, is copied — into a buffer that grows with the bytes that actually arrive, never
 * to the length a header merely declares (eight bytes must not reserve a gigabyte).
 *
 * <p>Two bounds: any message longer than {@code maxMessageLength} breaks the stream; a message the subclass wants
 * whole is refused beyond {@code maxWholeLength} as soon as its header is read, before any of its body is buffered.
 */
public abstract class MessageStreamHandler extends ChannelInboundHandlerAdapter {

    private static final int HEADER = 5;

    /** The first buffer for a message that arrives in pieces; it grows as more arrives. */
    private static final int FIRST_PARTIAL_CAPACITY = 256;

    private final int maxMessageLength;
    private final int maxWholeLength;
    /** Bytes of the current pass-through message still to forward. */
    private long passThroughRemaining;
    /** A header fragment, or an incomplete message the subclass wants whole. */
    private ByteBuf partial;
    /** True when {@link #partial} holds the start of a message already judged not to pass through. */
    private boolean partialIsWanted;
    private boolean broken;
    /** Set by {@link #endRunAfterThisMessage}: the run ends with the message {@link #passWholeThrough} just passed. */
    private boolean endRun;

    protected MessageStreamHandler(int maxMessageLength) {
        this(maxMessageLength, maxMessageLength);
    }

    protected MessageStreamHandler(int maxMessageLength, int maxWholeLength) {
        this.maxMessageLength = maxMessageLength;
        this.maxWholeLength = Math.min(maxWholeLength, maxMessageLength);
    }

    /**
     * Decides, from its header, whether a message is forwarded untouched. Called once per message, so it is
     * also where counters that only need the type are kept.
     */
    protected abstract boolean passThrough(byte type, int length);

    /**
     * A second look at a message {@link #passThrough} wanted whole, made when all of it is in the read buffer: true
     * forwards it untouched after all, in the same run as the pass-through messages around it (one write instead of
     * one per message). {@code in} holds the message at {@code at}, {@code total} bytes with its type; the callee may
     * read it there but neither keeps nor releases it. By default every such message is handed over whole.
     */
    protected boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
        return false;
    }

    /**
     * Called from {@link #passWholeThrough} when it returns true: the run ends with this message and is forwarded before
     * the next message is looked at — so that what the message means can take effect once it is on its way, and before
     * anything behind it is decided.
     */
    protected final void endRunAfterThisMessage() {
        endRun = true;
    }

    /** Receives a run of complete or partial pass-through messages; the callee owns {@code run}. */
    protected abstract void forward(ChannelHandlerContext ctx, ByteBuf run);

    /** Receives one whole message, type and length included; the callee owns {@code message}. */
    protected abstract void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message);

    /** A length field that cannot be right; the stream cannot be followed any further. */
    protected abstract void onMalformed(ChannelHandlerContext ctx, String reason);

    /**
     * A message to be read whole declared more than {@code limit} bytes (its header only has been read); the stream is
     * not followed further. By default reported as malformed.
     */
    protected void onTooLong(ChannelHandlerContext ctx, byte type, int length, int limit) {
        onMalformed(ctx, "message of type '" + (char) type + "' declares " + length + " bytes, more than the limit of " + limit);
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!broken) scan(ctx, in);
        } finally {
            in.release();
        }
    }

    private void scan(ChannelHandlerContext ctx, ByteBuf in) {
        int runStart = in.readerIndex();
        while (in.isReadable()) {
            if (passThroughRemaining > 0) {
                int n = (int) Math.min(passThroughRemaining, in.readableBytes());
                in.skipBytes(n);
                passThroughRemaining -= n;
                continue;
            }
            if (partial != null) {
                // Finish a fragment started by an earlier read; flush the run first to keep order.
                runStart = flushRun(ctx, in, runStart);
                if (!continuePartial(ctx, in)) return;
                runStart = in.readerIndex();
                continue;
            }
            if (in.readableBytes() < HEADER) {
                runStart = flushRun(ctx, in, runStart);
                partial = ctx.alloc().buffer(64);
                partial.writeBytes(in);
                return;
            }
            int at = in.readerIndex();
            byte type = in.getByte(at);
            int length = in.getInt(at + 1);
            if (!isValidLength(length)) {
                // Forward the pass-through run before it, as if the bad header had come in a later read.
                flushRun(ctx, in, runStart);
                malformed(ctx, type, length);
                return;
            }
            int total = length + 1;
            if (passThrough(type, length)) {
                int n = Math.min(total, in.readableBytes());
                in.skipBytes(n);
                passThroughRemaining = total - n;
            } else if (length <= maxWholeLength && in.readableBytes() >= total && passWholeThrough(type, in, at, total)) {
                in.skipBytes(total);
                if (endRun) {
                    endRun = false;
                    if (in.isReadable()) { // else the run ends here anyway, forwarded below
                        runStart = flushRun(ctx, in, runStart);
                        if (broken || !ctx.channel().isActive()) return;
                    }
                }
            } else {
                runStart = flushRun(ctx, in, runStart);
                if (length > maxWholeLength) {
                    tooLong(ctx, type, length);
                    return;
                }
                if (in.readableBytes() >= total) {
                    ByteBuf message = in.retainedSlice(at, total);
                    in.skipBytes(total);
                    runStart = in.readerIndex();
                    onMessage(ctx, type, message);
                    if (broken || !ctx.channel().isActive() && in.isReadable()) return;
                } else {
                    partial = ctx.alloc().buffer(Math.max(FIRST_PARTIAL_CAPACITY, in.readableBytes()));
                    partial.writeBytes(in);
                    partialIsWanted = true;
                    return;
                }
            }
        }
        forwardLastRun(ctx, in, runStart);
    }

    /**
     * The run that ends the read: the read buffer itself, retained, is forwarded rather than a slice of it (one object
     * less per read, and most reads are one run) — nothing reads {@code in} after this.
     */
    private void forwardLastRun(ChannelHandlerContext ctx, ByteBuf in, int runStart) {
        int end = in.readerIndex();
        if (end <= runStart) return;
        in.readerIndex(runStart);
        forward(ctx, in.retain());
    }

    /** Feeds bytes into {@link #partial}; returns false when {@code in} is used up before it completes. */
    private boolean continuePartial(ChannelHandlerContext ctx, ByteBuf in) {
        if (partial.readableBytes() < HEADER) {
            partial.writeBytes(in, Math.min(HEADER - partial.readableBytes(), in.readableBytes()));
            if (partial.readableBytes() < HEADER) return false;
        }
        byte type = partial.getByte(partial.readerIndex());
        int length = partial.getInt(partial.readerIndex() + 1);
        if (!partialIsWanted) {
            if (!validLength(ctx, type, length)) return false;
            if (passThrough(type, length)) {
                ByteBuf header = partial;
                partial = null;
                passThroughRemaining = length + 1 - HEADER;
                forward(ctx, header);
                return true;
            }
            if (length > maxWholeLength) {
                tooLong(ctx, type, length);
                return false;
            }
            partialIsWanted = true;
        }
        int total = length + 1;
        // Grows with what arrives (writeBytes expands the buffer), not with what the header declares.
        partial.writeBytes(in, Math.min(total - partial.readableBytes(), in.readableBytes()));
        if (partial.readableBytes() < total) return false;
        ByteBuf message = partial;
        partial = null;
        partialIsWanted = false;
        onMessage(ctx, type, message);
        return !broken;
    }

    private boolean validLength(ChannelHandlerContext ctx, byte type, int length) {
        if (isValidLength(length)) return true;
        malformed(ctx, type, length);
        return false;
    }

    private boolean isValidLength(int length) {
        return length >= 4 && length <= maxMessageLength;
    }

    private void malformed(ChannelHandlerContext ctx, byte type, int length) {
        broken = true;
        onMalformed(ctx, "invalid message length " + length + " for message type '" + (char) type + "'");
    }

    private void tooLong(ChannelHandlerContext ctx, byte type, int length) {
        broken = true;
        onTooLong(ctx, type, length, maxWholeLength);
    }

    private int flushRun(ChannelHandlerContext ctx, ByteBuf in, int runStart) {
        int end = in.readerIndex();
        if (end > runStart) forward(ctx, in.retainedSlice(runStart, end - runStart));
        return end;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releasePartial();
        super.channelInactive(ctx);
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
            partialIsWanted = false;
        }
    }
}
