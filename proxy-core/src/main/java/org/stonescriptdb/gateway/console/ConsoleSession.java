package org.stonescriptdb.gateway.console;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import org.stonescriptdb.gateway.codec.MessageStreamHandler;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.session.LoginDeadline;
import org.stonescriptdb.gateway.session.StartupParameters;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One admin's console session: simple queries only (psql, {@code psql -c}, scripts; pgjdbc with
 * {@code preferQueryMode=simple}), one command per query, answered as rows or a command tag; a command it does not know
 * is an ERROR and the session goes on. The extended protocol is refused, as PgBouncer's console refuses it.
 */
final class ConsoleSession extends MessageStreamHandler {

    private static final Logger LOG = Logger.getLogger(ConsoleSession.class.getName());
    /** A console command is a line; a query longer than this is not one. */
    private static final int MAX_QUERY_BYTES = 64 * 1024;

    private final ConsoleCommands commands;
    private final StartupParameters params;

    ConsoleSession(ConsoleCommands commands, StartupParameters params) {
        super(MAX_QUERY_BYTES);
        this.commands = commands;
        this.params = params;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        LoginDeadline.passed(ctx.channel());
        Map<String, String> status = new LinkedHashMap<>();
        status.put("server_version", AdminConsole.SERVER_VERSION);
        status.put("server_encoding", "UTF8");
        status.put("client_encoding", "UTF8");
        status.put("DateStyle", "ISO, MDY");
        status.put("integer_datetimes", "on");
        status.put("standard_conforming_strings", "on");
        status.put("application_name", params.settings().getOrDefault("application_name", ""));
        ctx.write(ServerMessages.authenticationOk(ctx.alloc()));
        ctx.write(ServerMessages.parameterStatus(ctx.alloc(), status));
        ctx.writeAndFlush(ServerMessages.readyForQuery(ctx.alloc(), TransactionStatus.IDLE));
        LOG.info(() -> "admin console opened from " + ctx.channel().remoteAddress());
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    protected boolean passThrough(byte type, int length) {
        return false;
    }

    @Override
    protected void forward(ChannelHandlerContext ctx, ByteBuf run) {
        run.release();
    }

    @Override
    protected void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message) {
        try {
            switch (type) {
                case FrontendType.QUERY -> query(ctx, message.toString(message.readerIndex() + 5, Math.max(0, message.readableBytes() - 6), StandardCharsets.UTF_8));
                case FrontendType.TERMINATE -> ctx.close();
                default -> fatal(ctx, SqlState.FEATURE_NOT_SUPPORTED, "the admin console takes simple queries only (message type '"
                        + (char) type + "'); with pgjdbc set preferQueryMode=simple");
            }
        } finally {
            message.release();
        }
    }

    private void query(ChannelHandlerContext ctx, String text) {
        LOG.info(() -> "admin console " + ctx.channel().remoteAddress() + ": " + text.strip());
        if (text.isBlank()) {
            ctx.write(ctx.alloc().buffer(5).writeByte(BackendType.EMPTY_QUERY_RESPONSE).writeInt(4));
        } else {
            try {
                ctx.write(commands.execute(text).encode(ctx.alloc()));
            } catch (ConsoleCommands.ConsoleError e) {
                ctx.write(ServerMessages.error(ctx.alloc(), "ERROR", e.code, e.getMessage()));
            }
        }
        ctx.writeAndFlush(ServerMessages.readyForQuery(ctx.alloc(), TransactionStatus.IDLE));
    }

    @Override
    protected void onMalformed(ChannelHandlerContext ctx, String reason) {
        fatal(ctx, SqlState.PROTOCOL_VIOLATION, reason);
    }

    private static void fatal(ChannelHandlerContext ctx, String code, String message) {
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(ServerMessages.fatal(ctx.alloc(), code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        org.stonescriptdb.gateway.process.FatalErrors.haltIfFatal(cause);
        LOG.fine(() -> "admin console connection error: " + cause);
        ctx.close();
    }
}
