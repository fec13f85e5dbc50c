package org.stonescriptdb.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Splits a stream of typed protocol messages ({@code byte type, int32 length, body}) without copying it.
 *
 * <p>Messages the subclass passes through are forwarded as retained slices of the read buffer, consecutive
 * ones as a single slice, and a pass-through message split across reads is forwarded piece by piece as it
 * arrives (so a large DataRow or CopyData is never buffered whole). Messages the subclass wants to read are
 * handed over complete, in order, each as a buffer the subclass owns. Only a header split across reads, or
 * such a message split across reads, is copied.
 */
public abstract class MessageStreamHandler extends ChannelInboundHandlerAdapter {

    private static final int HEADER = 5;

    private final int maxMessageLength;
    /** Bytes of the current pass-through message still to forward. */
    private long passThroughRemaining;
    /** A header fragment, or an incomplete message the subclass wants whole. */
    private ByteBuf partial;
    /** True when {@link #partial} holds the start of a message already judged not to pass through. */
    private boolean partialIsWanted;
    private boolean broken;

    protected MessageStreamHandler(int maxMessageLength) {
        this.maxMessageLength = maxMessageLength;
    }

    /**
     * Decides, from its header, whether a message is forwarded untouched. Called once per message, so it is
     * also where counters that only need the type are kept.
     */
    protected abstract boolean passThrough(byte type, int length);

    /** Receives a run of complete or partial pass-through messages; the callee owns {@code run}. */
    protected abstract void forward(ChannelHandlerContext ctx, ByteBuf run);

    /** Receives one whole message, type and length included; the callee owns {@code message}. */
    protected abstract void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message);

    /** A length field that cannot be right; the stream cannot be followed any further. */
    protected abstract void onMalformed(ChannelHandlerContext ctx, String reason);

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
            } else {
                runStart = flushRun(ctx, in, runStart);
                if (in.readableBytes() >= total) {
                    ByteBuf message = in.retainedSlice(at, total);
                    in.skipBytes(total);
                    runStart = in.readerIndex();
                    onMessage(ctx, type, message);
                    if (broken || !ctx.channel().isActive() && in.isReadable()) return;
                } else {
                    partial = ctx.alloc().buffer(total);
                    partial.writeBytes(in);
                    partialIsWanted = true;
                    return;
                }
            }
        }
        flushRun(ctx, in, runStart);
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
            partialIsWanted = true;
        }
        int total = length + 1;
        partial.ensureWritable(total - partial.readableBytes());
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
