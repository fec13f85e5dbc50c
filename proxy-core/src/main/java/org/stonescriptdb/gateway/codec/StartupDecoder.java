package org.stonescriptdb.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.stonescriptdb.gateway.protocol.ClientMessages;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the untyped start-up packets: {@code int32 length, int32 code, body}. Lengths are checked before
 * anything is buffered, so a hostile length cannot make the gateway allocate. After a malformed packet the
 * decoder stops reading (the handler closes the connection).
 *
 * <p>After a StartupMessage the decoder decodes nothing more: what follows is the typed message stream, which
 * a client may already have sent (pipelined behind the StartupMessage, possibly in the same read). Those bytes
 * stay in the decoder's cumulation, untouched, and {@link ByteToMessageDecoder} hands them on, in order, to the
 * next handler when the decoder is removed from the pipeline. Bytes after an SSLRequest or GSSENCRequest are
 * still decoded as start-up packets, as the protocol requires.
 */
public final class StartupDecoder extends ByteToMessageDecoder {

    /** PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH) is 10,000 bytes. */
    public static final int MAX_STARTUP_LENGTH = 10_000;
    /** A SCRAM message is a few hundred bytes; PostgreSQL allows an authentication message up to 65,535. */
    public static final int MAX_PASSWORD_MESSAGE_LENGTH = 8_192;

    private boolean failed;
    /** A StartupMessage was decoded: the rest of the stream belongs to whatever replaces this decoder. */
    private boolean started;
    /** The handler asked for one password message ({@link #expectPasswordMessage}) and it has not come yet. */
    private boolean awaitingPassword;

    /**
     * Decodes the next typed message, which must be a {@code 'p'} of at most {@value #MAX_PASSWORD_MESSAGE_LENGTH}
     * bytes, and asks the channel for it (auto-read is off after the StartupMessage). Bytes already held are decoded
     * in a task of their own, never inside the caller (who may be handling this decoder's last output). Call on the
     * event loop, with this decoder's context.
     */
    public void expectPasswordMessage(ChannelHandlerContext ctx) {
        awaitingPassword = true;
        ctx.executor().execute(() -> {
            if (ctx.isRemoved() || !awaitingPassword) return;
            if (actualReadableBytes() > 0) {
                try {
                    channelRead(ctx, io.netty.buffer.Unpooled.EMPTY_BUFFER);
                    channelReadComplete(ctx);
                } catch (Exception e) {
                    ctx.fireExceptionCaught(e);
                }
            } else {
                ctx.read();
            }
        });
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (awaitingPassword && !failed) {
            decodePasswordMessage(in, out);
            return;
        }
        if (started) return;
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 4) return;
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_LENGTH) {
            fail(in, out, "invalid length of startup packet: " + length);
            return;
        }
        if (in.readableBytes() < length) return;
        ByteBuf packet = in.readSlice(length);
        packet.skipBytes(4);
        int code = packet.readInt();
        StartupPacket decoded = switch (code) {
            case ClientMessages.SSL_REQUEST_CODE -> length == 8 ? new StartupPacket.SslRequest() : malformed("SSLRequest of length " + length);
            case ClientMessages.GSSENC_REQUEST_CODE -> length == 8 ? new StartupPacket.GssEncRequest() : malformed("GSSENCRequest of length " + length);
            case ClientMessages.CANCEL_REQUEST_CODE -> length == 16
                    ? new StartupPacket.CancelRequest(packet.readInt(), packet.readInt())
                    : malformed("CancelRequest of length " + length);
            default -> startupMessage(code, packet);
        };
        if (decoded instanceof StartupPacket.Malformed) failed = true;
        else if (decoded instanceof StartupPacket.StartupMessage) started = true;
        out.add(decoded);
    }

    private void decodePasswordMessage(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) return;
        byte type = in.getByte(in.readerIndex());
        int length = in.getInt(in.readerIndex() + 1);
        if (type != 'p') {
            fail(in, out, "expected SASL response, got message type " + (type >= 0x20 && type < 0x7f ? "'" + (char) type + "'" : Integer.toString(type & 0xff)));
            return;
        }
        if (length < 4 || length > MAX_PASSWORD_MESSAGE_LENGTH) {
            fail(in, out, "invalid length of SASL response: " + length);
            return;
        }
        if (in.readableBytes() < 1 + length) return;
        in.skipBytes(5);
        byte[] body = new byte[length - 4];
        in.readBytes(body);
        awaitingPassword = false;
        out.add(new StartupPacket.PasswordMessage(body));
    }

    /**
     * Whether bytes the client sent after the packet being handled are held here, not yet decoded. After an SSLRequest
     * the client must wait for the answer: bytes sent before it would be taken as if they had come through TLS
     * (CVE-2021-23214), so the handler refuses them.
     */
    public boolean hasBufferedInput() {
        return actualReadableBytes() > 0;
    }

    /**
     * Once the StartupMessage is out, reads nothing more on its own: the handler has turned auto-read off, and
     * the session asks for input when it is ready. (The base class would request another read after every read
     * that decoded nothing, buffering whatever the client sends for as long as the login takes.)
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (started && !awaitingPassword) {
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    private void fail(ByteBuf in, List<Object> out, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(new StartupPacket.Malformed(reason));
    }

    private static StartupPacket startupMessage(int code, ByteBuf body) {
        int major = code >>> 16;
        int minor = code & 0xFFFF;
        if (major != 3) return malformed("unsupported frontend protocol " + major + "." + minor + ": server supports 3.0 to 3.0");
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
            String name = cString(body);
            if (name == null) return malformed("startup packet parameters are not NUL-terminated");
            if (name.isEmpty()) break;
            String value = cString(body);
            if (value == null) return malformed("missing value for startup parameter \"" + name + "\"");
            params.put(name, value);
        }
        if (body.isReadable()) return malformed("startup packet has bytes after its terminator");
        return new StartupPacket.StartupMessage(major, minor, params);
    }

    private static String cString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) return null;
        String s = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return s;
    }

    private static StartupPacket malformed(String reason) {
        return new StartupPacket.Malformed(reason);
    }
}
