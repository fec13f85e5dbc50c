package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Whether a frontend message is well formed, judged the way PostgreSQL reads it, with PostgreSQL's own words for what
 * is wrong. The gateway must never act on its own reading of a message the server would refuse: it would answer or
 * rewrite something the server rejects (a Close with a bad subtype answered CloseComplete), or fail reading it itself.
 *
 * <p>Only the message kinds the gateway reads are checked; the server judges the rest (and then the gateway forwards
 * the message untouched, so the server's answer is exactly its own).
 */
public final class FrontendMessageFormat {

    /** PostgreSQL's limit for the messages that are always short ({@code PQ_SMALL_MESSAGE_LIMIT}). */
    public static final int SMALL_MESSAGE_LIMIT = 10_000;

    public static final String INVALID_STRING = "invalid string in message";
    public static final String INVALID_FORMAT = "invalid message format";
    public static final String INSUFFICIENT_DATA = "insufficient data left in message";
    public static final String NO_DATA = "no data left in message";

    private static final int HEADER = 5;

    private FrontendMessageFormat() {
    }

    /** The message types a server takes from a logged-in client; any other ends the session (FATAL 08P01). */
    public static boolean isKnownType(byte type) {
        return switch (type) {
            case FrontendType.QUERY, FrontendType.PARSE, FrontendType.BIND, FrontendType.DESCRIBE, FrontendType.EXECUTE,
                 FrontendType.CLOSE, FrontendType.SYNC, FrontendType.FLUSH, FrontendType.FUNCTION_CALL, FrontendType.TERMINATE,
                 FrontendType.COPY_DATA, FrontendType.COPY_DONE, FrontendType.COPY_FAIL -> true;
            default -> false;
        };
    }

    /** The words of the FATAL a server sends for a type it does not know (the type as an unsigned number, as it prints it). */
    public static String unknownTypeMessage(byte type) {
        return "invalid frontend message type " + (type & 0xFF);
    }

    /**
     * True when {@code length} (the length word, which counts itself) is more than the server reads for this type: the
     * server takes it for a stream it can no longer follow and closes the connection. The server compares the length
     * word itself with its limit, so a body of 9,997 bytes is the most a Sync may claim.
     */
    public static boolean exceedsServerLimit(byte type, int length) {
        boolean small = switch (type) {
            case FrontendType.DESCRIBE, FrontendType.CLOSE, FrontendType.EXECUTE, FrontendType.FLUSH, FrontendType.SYNC,
                 FrontendType.TERMINATE, FrontendType.COPY_DONE, FrontendType.COPY_FAIL -> true;
            default -> false;
        };
        return small && length > SMALL_MESSAGE_LIMIT;
    }

    /**
     * What the server would say about the format of this whole message (type and length included) before acting on
     * it — always an ERROR with SQLSTATE 08P01 — or null when it is well formed. For Bind only the portal and statement
     * names are checked: the server looks the statement up before it reads the rest, and the gateway forwards every
     * Bind, so the server judges the rest itself.
     */
    public static String problem(byte type, ByteBuf message) {
        Reader r = new Reader(message);
        return switch (type) {
            case FrontendType.QUERY -> r.string() ? r.end() : INVALID_STRING;
            case FrontendType.PARSE -> parse(r);
            case FrontendType.BIND -> r.string() && r.string() ? null : INVALID_STRING;
            case FrontendType.DESCRIBE -> describeOrClose(r, "DESCRIBE");
            case FrontendType.CLOSE -> describeOrClose(r, "CLOSE");
            case FrontendType.SYNC, FrontendType.FLUSH -> r.end();
            default -> null;
        };
    }

    private static String parse(Reader r) {
        if (!r.string() || !r.string()) return INVALID_STRING;
        if (!r.skip(2)) return INSUFFICIENT_DATA;
        int parameterTypes = r.lastUnsignedShort();
        if (!r.skip(4L * parameterTypes)) return INSUFFICIENT_DATA;
        return r.end();
    }

    /** The format first, then the subtype: the server reads the whole message before it looks at what it asks for. */
    private static String describeOrClose(Reader r, String what) {
        if (!r.skip(1)) return NO_DATA;
        byte subtype = r.lastByte();
        if (!r.string()) return INVALID_STRING;
        String end = r.end();
        if (end != null) return end;
        if (subtype != 'S' && subtype != 'P') return "invalid " + what + " message subtype " + (subtype & 0xFF);
        return null;
    }

    /** A cursor over a message body that reports, rather than throws, when the body runs out. */
    private static final class Reader {
        private final ByteBuf message;
        private final int end;
        private int at;

        Reader(ByteBuf message) {
            this.message = message;
            this.at = message.readerIndex() + HEADER;
            this.end = message.writerIndex();
        }

        /** Steps over a NUL-terminated string; false when the body has no NUL left. */
        boolean string() {
            int nul = at < end ? message.indexOf(at, end, (byte) 0) : -1;
            if (nul < 0) return false;
            at = nul + 1;
            return true;
        }

        boolean skip(long bytes) {
            if (bytes > end - at) return false;
            at += (int) bytes;
            return true;
        }

        int lastUnsignedShort() {
            return message.getUnsignedShort(at - 2);
        }

        byte lastByte() {
            return message.getByte(at - 1);
        }

        String end() {
            return at == end ? null : INVALID_FORMAT;
        }
    }
}
