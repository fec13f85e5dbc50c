package org.stonescriptdb.gateway.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.stonescriptdb.gateway.metrics.ProxyCounters;

import java.util.List;

/**
 * The first handler of a client connection when TLS is on: looks at the first byte the client sends. A TLS handshake
 * record (0x16; no start-up packet can begin with it, as its length would exceed any allowed) means PostgreSQL 17's direct
 * TLS: a TLS handler takes this one's place and gets the bytes. Anything else is the usual start-up, and this handler
 * steps aside, handing the bytes on unchanged.
 */
public final class DirectTlsDetector extends ByteToMessageDecoder {

    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    private final ServerTls tls;
    private final ProxyCounters counters;

    public DirectTlsDetector(ServerTls tls, ProxyCounters counters) {
        this.tls = tls;
        this.counters = counters;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) return;
        if (in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE_RECORD) {
            ClientTlsUpgrade.direct(ctx.pipeline(), this, tls, counters);
        } else {
            ctx.pipeline().remove(this);
        }
    }
}
