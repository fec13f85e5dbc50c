package org.stonescriptdb.gateway.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The time a connection has from accept to a finished login ({@code CLIENT_LOGIN_TIMEOUT_SECS}, like PostgreSQL's
 * {@code authentication_timeout}): a client that sends nothing, or half a start-up packet, or waits out a login,
 * does not hold its descriptor longer. First in the pipeline; removed by {@link #passed} once the client is greeted.
 */
public final class LoginDeadline extends ChannelInboundHandlerAdapter {

    private final Duration timeout;
    private ScheduledFuture<?> timer;

    public LoginDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    /** The client is logged in: its deadline no longer applies. Call on the channel's event loop. */
    public static void passed(Channel channel) {
        if (channel.pipeline().get(LoginDeadline.class) != null) channel.pipeline().remove(LoginDeadline.class);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> expired(ctx), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) timer.cancel(false);
    }

    private void expired(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive() || ctx.isRemoved()) return;
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(ServerMessages.fatal(ctx.alloc(), SqlState.QUERY_CANCELED, "canceling authentication due to timeout"
                + " (CLIENT_LOGIN_TIMEOUT_SECS = " + timeout.toSeconds() + ")")).addListener(ChannelFutureListener.CLOSE);
    }
}
