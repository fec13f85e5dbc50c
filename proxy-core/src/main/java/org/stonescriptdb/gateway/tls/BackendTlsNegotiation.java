package org.stonescriptdb.gateway.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.stonescriptdb.gateway.config.BackendSsl;
import org.stonescriptdb.gateway.protocol.ClientMessages;

import java.util.List;

/**
 * The first handler of a backend connection when {@code sslmode} is not {@code disable}: sends an SSLRequest as the
 * connection opens and holds back the rest of the pipeline's {@code channelActive} (which sends the StartupMessage) until
 * the server's answer is settled: after 'S', a completed TLS handshake; after 'N', plaintext if the mode allows it.
 * Then it leaves the pipeline. Failures surface as exceptions the login handler reports, naming the server and why.
 */
public final class BackendTlsNegotiation extends ByteToMessageDecoder {

    private final SslContext context;
    private final BackendSsl ssl;
    private final String host;
    private final int port;
    private boolean answered;

    public BackendTlsNegotiation(SslContext context, BackendSsl ssl, String host, int port) {
        this.context = context;
        this.ssl = ssl;
        this.host = host;
        this.port = port;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Not passed on yet: the login begins once TLS is settled.
        ctx.writeAndFlush(ClientMessages.sslRequest(ctx.alloc()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (answered || !in.isReadable()) return;
        answered = true;
        byte answer = in.readByte();
        if (answer == 'S') {
            if (in.isReadable()) {
                // The answer and what follows it came unencrypted: a man in the middle could have put it there (CVE-2021-23222).
                in.skipBytes(in.readableBytes());
                fail(ctx, "received unencrypted data after the server's SSL response");
                return;
            }
            SslHandler handler = context.newHandler(ctx.alloc(), host, port);
            ctx.pipeline().addBefore(ctx.name(), "tls", handler);
        } else if (answer == 'N') {
            if (ssl.mode() != BackendSsl.Mode.PREFER) {
                fail(ctx, "the server does not support SSL, but sslmode is " + ssl.mode().libpqName());
                return;
            }
            proceed(ctx);
        } else {
            fail(ctx, "the server answered the SSLRequest with '" + (char) answer + "' (" + answer + ")");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                proceed(ctx);
            } else {
                fail(ctx, "the TLS handshake failed: " + rootMessage(done.cause()));
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    /** The login begins: the handlers behind this one see the connection open, and this one leaves. */
    private void proceed(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        ctx.fireExceptionCaught(new BackendTlsException("TLS with the backend at " + host + ":" + port + " (sslmode="
                + ssl.mode().libpqName() + "): " + why));
        ctx.close();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /** Why TLS with a backend could not be set up. */
    public static final class BackendTlsException extends RuntimeException {
        public BackendTlsException(String message) {
            super(message, null, false, false);
        }
    }
}
