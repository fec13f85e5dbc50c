package org.stonescriptdb.gateway.session;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.stonescriptdb.gateway.codec.StartupDecoder;
import org.stonescriptdb.gateway.codec.StartupPacket;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client's first packets: answers SSL/GSS requests with 'N', forwards cancel requests, and for a
 * StartupMessage checks the client's address, the packet and the database — in that order, so nothing reaches
 * a backend before the client is admitted — then hands the connection to a {@link ClientSession}.
 */
public final class StartupHandler extends SimpleChannelInboundHandler<StartupPacket> {

    private static final Logger LOG = Logger.getLogger(StartupHandler.class.getName());
    private static final byte[] NOT_SUPPORTED = {'N'};

    private final SessionServices services;

    public StartupHandler(SessionServices services) {
        this.services = services;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, StartupPacket packet) {
        switch (packet) {
            case StartupPacket.SslRequest r -> ctx.writeAndFlush(Unpooled.wrappedBuffer(NOT_SUPPORTED));
            case StartupPacket.GssEncRequest r -> ctx.writeAndFlush(Unpooled.wrappedBuffer(NOT_SUPPORTED));
            case StartupPacket.CancelRequest c -> {
                if (admitted(ctx)) {
                    services.counters().cancelRequested();
                    services.cancels().cancel(c.processId(), c.secret());
                }
                ctx.close();
            }
            case StartupPacket.Malformed m -> fatal(ctx, SqlState.PROTOCOL_VIOLATION, m.reason());
            case StartupPacket.StartupMessage m -> start(ctx, m);
        }
    }

    private void start(ChannelHandlerContext ctx, StartupPacket.StartupMessage message) {
        ctx.channel().config().setAutoRead(false);
        StartupParameters params = StartupParameters.from(message.parameters(), message.minorVersion());
        InetAddress address = remoteAddress(ctx);
        if (!admitted(ctx)) {
            fatal(ctx, SqlState.INVALID_AUTHORIZATION, "no gateway access for host \"" + (address == null ? "unknown" : address.getHostAddress())
                    + "\", user \"" + params.user() + "\", database \"" + params.database() + "\"");
            return;
        }
        if (params.user() == null || params.user().isEmpty()) {
            fatal(ctx, SqlState.PROTOCOL_VIOLATION, "no PostgreSQL user name specified in startup packet");
            return;
        }
        if (params.wantsReplication()) {
            fatal(ctx, SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported by the gateway");
            return;
        }
        String database = params.database();
        services.registry().exists(database).whenComplete((exists, error) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) return;
            if (!Boolean.TRUE.equals(exists)) {
                fatal(ctx, SqlState.INVALID_CATALOG_NAME, "database \"" + database + "\" does not exist");
                return;
            }
            services.counters().clientConnected();
            ctx.pipeline().addLast(new ClientSession(services, params));
            ctx.pipeline().remove(StartupDecoder.class);
            ctx.pipeline().remove(this);
        }));
    }

    private boolean admitted(ChannelHandlerContext ctx) {
        InetAddress address = remoteAddress(ctx);
        if (address == null) return false;
        for (Cidr network : services.config().allowedNetworks()) {
            if (network.contains(address)) return true;
        }
        return false;
    }

    private static InetAddress remoteAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    private static void fatal(ChannelHandlerContext ctx, String code, String message) {
        ctx.writeAndFlush(ServerMessages.fatal(ctx.alloc(), code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "start-up failed", cause);
        ctx.close();
    }
}
