package org.stonescriptdb.gateway.protocol;

/**
 * Type bytes of the v3 messages a client sends to the server (frontend → backend). The server's replies have their own
 * names in {@link BackendType}: the same byte means different messages in the two directions ('S' is Sync here and
 * ParameterStatus there). Plain bytes rather than an enum: the hot path switches on the byte it read.
 */
public final class FrontendType {
    public static final byte QUERY = 'Q';
    public static final byte PARSE = 'P';
    public static final byte BIND = 'B';
    public static final byte DESCRIBE = 'D';
    public static final byte EXECUTE = 'E';
    public static final byte CLOSE = 'C';
    public static final byte SYNC = 'S';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte TERMINATE = 'X';
    /** PasswordMessage, and the SASL and GSS responses that share its type. */
    public static final byte PASSWORD = 'p';
    /** CopyData and CopyDone go both ways; the server's carry the same bytes. */
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';

    private FrontendType() {
    }
}
