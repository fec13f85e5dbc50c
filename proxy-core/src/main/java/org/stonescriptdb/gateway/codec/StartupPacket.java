package org.stonescriptdb.gateway.codec;

import java.util.Map;

/** The untyped packets a client may send before the typed message stream begins. */
public sealed interface StartupPacket {

    record SslRequest() implements StartupPacket {
    }

    record GssEncRequest() implements StartupPacket {
    }

    record CancelRequest(int processId, int secret) implements StartupPacket {
    }

    /**
     * @param parameters in the order the client sent them; {@code _pq_.} protocol options included
     */
    record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters) implements StartupPacket {
    }

    /**
     * A typed {@code 'p'} message (SASLInitialResponse or SASLResponse) during the login's authentication exchange:
     * the decoder reads one only when asked ({@link StartupDecoder#expectPasswordMessage}).
     */
    record PasswordMessage(byte[] body) implements StartupPacket {
    }

    /** A packet the decoder refused; the handler answers with FATAL 08P01 and closes. */
    record Malformed(String reason) implements StartupPacket {
    }
}
