package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import org.stonescriptdb.gateway.pool.BackendConnection;

import java.util.function.Supplier;

/**
 * The attached backend as the client's half of the flow writes to it: each message sent leaves the reply it expects
 * in the {@link ReplyQueue}, in order. Writes are not flushed here (the flow flushes at the end of the client's read).
 */
final class BackendWire {

    private final ReplyQueue expected;
    private final Supplier<BackendConnection> backend;

    BackendWire(ReplyQueue expected, Supplier<BackendConnection> backend) {
        this.expected = expected;
        this.backend = backend;
    }

    void expect(Expected e) {
        expected.add(e);
    }

    void send(ByteBuf message) {
        BackendConnection b = backend.get();
        b.channel().write(message, b.channel().voidPromise());
    }

    /** The attached backend; only while one is attached. */
    BackendConnection backend() {
        return backend.get();
    }
}
