package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;


/**
 * The fields of an ErrorResponse or NoticeResponse that the gateway reads.
 *
 * @param severity non-localised severity (V), falling back to S
 */
public record ErrorFields(String severity, String code, String message, String detail) {

    /** Decodes the body of an 'E'/'N' message (the reader index at the first field byte). */
    public static ErrorFields decode(ByteBuf body) {
        String severity = null, localized = null, code = null, message = null, detail = null;
        while (body.isReadable()) {
            byte field = body.readByte();
            if (field == 0) break;
            String value = Wire.readCString(body);
            switch (field) {
                case 'V' -> severity = value;
                case 'S' -> localized = value;
                case 'C' -> code = value;
                case 'M' -> message = value;
                case 'D' -> detail = value;
                default -> { }
            }
        }
        return new ErrorFields(severity != null ? severity : localized, code, message, detail);
    }

    /** Decodes a whole 'E' message including its type and length. */
    public static ErrorFields decodeMessage(ByteBuf message) {
        return decode(message.slice(message.readerIndex() + 5, message.readableBytes() - 5));
    }

    public boolean fatal() {
        return "FATAL".equals(severity) || "PANIC".equals(severity);
    }

    @Override
    public String toString() {
        return severity + " " + code + " " + message;
    }
}
