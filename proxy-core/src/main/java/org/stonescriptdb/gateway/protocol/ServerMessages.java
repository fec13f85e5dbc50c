package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;
import java.util.Map;

/** Encoders for the messages the gateway itself sends to clients. */
public final class ServerMessages {

    private ServerMessages() {
    }

    public static ByteBuf authenticationOk(ByteBufAllocator alloc) {
        return alloc.buffer(9).writeByte(BackendType.AUTHENTICATION).writeInt(8).writeInt(0);
    }

    /** AuthenticationSASL: the mechanisms the client may choose from. */
    public static ByteBuf authenticationSasl(ByteBufAllocator alloc, List<String> mechanisms) {
        ByteBuf buf = alloc.buffer(64);
        int at = Wire.begin(buf, BackendType.AUTHENTICATION);
        buf.writeInt(10);
        for (String mechanism : mechanisms) Wire.writeCString(buf, mechanism);
        buf.writeByte(0);
        Wire.finish(buf, at);
        return buf;
    }

    /** AuthenticationSASLContinue (11) or AuthenticationSASLFinal (12) with the mechanism's data. */
    public static ByteBuf authenticationSaslData(ByteBufAllocator alloc, boolean last, byte[] data) {
        return alloc.buffer(9 + data.length).writeByte(BackendType.AUTHENTICATION).writeInt(8 + data.length)
                .writeInt(last ? 12 : 11).writeBytes(data);
    }

    public static ByteBuf parameterStatus(ByteBufAllocator alloc, Map<String, String> params) {
        ByteBuf buf = alloc.buffer(32 * Math.max(1, params.size()));
        params.forEach((name, value) -> {
            int at = Wire.begin(buf, BackendType.PARAMETER_STATUS);
            Wire.writeCString(buf, name);
            Wire.writeCString(buf, value);
            Wire.finish(buf, at);
        });
        return buf;
    }

    public static ByteBuf backendKeyData(ByteBufAllocator alloc, int processId, int secret) {
        return alloc.buffer(13).writeByte(BackendType.BACKEND_KEY_DATA).writeInt(12).writeInt(processId).writeInt(secret);
    }

    public static ByteBuf readyForQuery(ByteBufAllocator alloc, TransactionStatus status) {
        return alloc.buffer(6).writeByte(BackendType.READY_FOR_QUERY).writeInt(5).writeByte(status.code());
    }

    /**
     * NegotiateProtocolVersion: the newest version we speak (as a full version code, e.g. 196608 for 3.0, which is
     * what servers send and libpq checks) and the {@code _pq_.} options we did not recognise.
     */
    public static ByteBuf negotiateProtocolVersion(ByteBufAllocator alloc, int newestVersion, List<String> unrecognised) {
        ByteBuf buf = alloc.buffer();
        int at = Wire.begin(buf, BackendType.NEGOTIATE_PROTOCOL_VERSION);
        buf.writeInt(newestVersion);
        buf.writeInt(unrecognised.size());
        unrecognised.forEach(o -> Wire.writeCString(buf, o));
        Wire.finish(buf, at);
        return buf;
    }

    public static ByteBuf error(ByteBufAllocator alloc, String severity, String code, String message) {
        return error(alloc, new ErrorFields(severity, code, message, null));
    }

    /** The server's answer to any command but a transaction end in a failed transaction (25P02). */
    public static ByteBuf inFailedTransaction(ByteBufAllocator alloc) {
        return error(alloc, "ERROR", SqlState.IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block");
    }

    public static ByteBuf fatal(ByteBufAllocator alloc, String code, String message) {
        return error(alloc, "FATAL", code, message);
    }

    public static ByteBuf error(ByteBufAllocator alloc, ErrorFields e) {
        return error(alloc, e, null);
    }

    /**
     * An ErrorResponse naming the server routine that raised it ('R'): some clients recognise errors by it, e.g.
     * pgjdbc re-prepares a statement after "cached plan must not change result type" only when the routine is
     * RevalidateCachedQuery.
     */
    public static ByteBuf error(ByteBufAllocator alloc, ErrorFields e, String routine) {
        ByteBuf buf = alloc.buffer(64 + e.message().length());
        int at = Wire.begin(buf, BackendType.ERROR_RESPONSE);
        field(buf, 'S', e.severity());
        field(buf, 'V', e.severity());
        field(buf, 'C', e.code());
        field(buf, 'M', e.message());
        if (e.detail() != null) field(buf, 'D', e.detail());
        if (routine != null) field(buf, 'R', routine);
        buf.writeByte(0);
        Wire.finish(buf, at);
        return buf;
    }

    /**
     * The same ErrorResponse or NoticeResponse, every field kept in order, with {@code from} replaced by {@code to} in
     * each; takes ownership of {@code message}.
     */
    public static ByteBuf replaceInFields(ByteBufAllocator alloc, ByteBuf message, String from, String to) {
        try {
            ByteBuf body = message.slice(message.readerIndex() + 5, message.readableBytes() - 5);
            ByteBuf out = alloc.buffer(message.readableBytes() + 16);
            int at = Wire.begin(out, message.getByte(message.readerIndex()));
            while (body.isReadable()) {
                byte field = body.readByte();
                if (field == 0) break;
                out.writeByte(field);
                Wire.writeCString(out, Wire.readCString(body).replace(from, to));
            }
            out.writeByte(0);
            Wire.finish(out, at);
            return out;
        } finally {
            message.release();
        }
    }

    private static void field(ByteBuf buf, char type, String value) {
        buf.writeByte(type);
        Wire.writeCString(buf, value);
    }
}
