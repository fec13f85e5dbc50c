package org.stonescriptdb.gateway.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts TLS in front of a client connection, in either of PostgreSQL's two ways: after an SSLRequest answered 'S', or
 * at once when the client's first byte begins a TLS handshake (PostgreSQL 17's direct TLS, {@code sslnegotiation=direct},
 * which requires ALPN {@code postgresql}). Counts the handshake's outcome; a failed one closes the connection (the
 * client's TLS library reports why, e.g. a certificate it does not trust).
 */
public final class ClientTlsUpgrade {

    private static final Logger LOG = Logger.getLogger(ClientTlsUpgrade.class.getName());
    /** The pipeline name of the TLS handler. */
    public static final String HANDLER_NAME = "tls";

    private ClientTlsUpgrade() {
    }

    /** Whether the connection already speaks TLS. */
    public static boolean active(ChannelPipeline pipeline) {
        return pipeline.get(SslHandler.class) != null;
    }

    /** TLS begins now, in front of everything else, for every byte read from here on (the negotiated way). */
    public static void afterSslRequest(ChannelPipeline pipeline, ServerTls tls, ProxyCounters counters) {
        SslHandler handler = tls.newHandler(pipeline.channel().alloc());
        pipeline.addFirst(HANDLER_NAME, handler);
        watch(handler, pipeline.channel(), counters, false);
    }

    /**
     * TLS begins in place of {@code detector}, which holds the client's first bytes and hands them on as it leaves (the
     * direct way).
     */
    static void direct(ChannelPipeline pipeline, ChannelHandler detector, ServerTls tls, ProxyCounters counters) {
        SslHandler handler = tls.newHandler(pipeline.channel().alloc());
        watch(handler, pipeline.channel(), counters, true);
        pipeline.replace(detector, HANDLER_NAME, handler);
    }

    private static void watch(SslHandler handler, Channel channel, ProxyCounters counters, boolean direct) {
        handler.handshakeFuture().addListener(f -> {
            counters.tlsHandshake(f.isSuccess());
            if (!f.isSuccess()) {
                LOG.log(Level.FINE, "client TLS handshake failed", f.cause());
                return;
            }
            if (direct && !ServerTls.ALPN_POSTGRESQL.equals(handler.applicationProtocol())) {
                // As PostgreSQL does: a direct TLS client that did not name the protocol may be speaking another one.
                channel.writeAndFlush(ServerMessages.fatal(channel.alloc(), SqlState.PROTOCOL_VIOLATION,
                        "received direct SSL connection request without ALPN protocol negotiation extension"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        });
    }
}
