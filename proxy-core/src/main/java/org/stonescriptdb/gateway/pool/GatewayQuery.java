package org.stonescriptdb.gateway.pool;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.BackendType;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's own use of a backend connection: sends prepared bytes, reads every reply whole until the
 * expected number of ReadyForQuery messages, and reports the text rows and the first error. Used for
 * resets, parameter replay and catalogue queries; client output never mixes in, since the connection has
 * no other owner meanwhile.
 */
public final class GatewayQuery implements BackendOwner {

    /** What came back: rows as text columns (null for SQL NULL), and the first error if any. */
    public record Result(List<List<String>> rows, ErrorFields error) {
        public boolean failed() {
            return error != null;
        }
    }

    private final Promise<Result> promise;
    private int readyToGo;
    private final List<List<String>> rows = new ArrayList<>();
    private ErrorFields error;

    private GatewayQuery(Promise<Result> promise, int readyCount) {
        this.promise = promise;
        this.readyToGo = readyCount;
    }

    /**
     * Runs {@code request} (which must end in {@code readyCount} Query/Sync messages) on {@code connection};
     * the result completes on {@code executor}. The caller gets the connection back as owner afterwards.
     */
    public static Future<Result> run(BackendConnection connection, ByteBuf request, int readyCount, EventExecutor executor, Duration deadline) {
        Promise<Result> promise = executor.newPromise();
        connection.owner(new GatewayQuery(promise, readyCount));
        // A previous owner may have paused reading for back-pressure; the gateway's own replies must flow.
        connection.channel().config().setAutoRead(true);
        connection.send(request);
        // A reset can wait for ever (a lock another session holds on a temporary table the last client left): the
        // connection is given up on, never left holding a client or a pool slot.
        ScheduledFuture<?> timer = executor.schedule(() -> {
            if (promise.tryFailure(new BackendException(null, "the server did not answer the gateway within " + deadline.toMillis() + " ms"))) {
                connection.close();
            }
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        promise.addListener(f -> timer.cancel(false));
        return promise;
    }

    @Override
    public boolean passBackendThrough(byte type) {
        return false;
    }

    @Override
    public void onBackendData(BackendConnection connection, ByteBuf data) {
        data.release();
    }

    @Override
    public void onBackendMessage(BackendConnection connection, byte type, ByteBuf message) {
        try {
            switch (type) {
                case BackendType.DATA_ROW -> rows.add(decodeRow(message));
                case BackendType.ERROR_RESPONSE -> {
                    if (error == null) error = ErrorFields.decodeMessage(message);
                }
                case BackendType.READY_FOR_QUERY -> {
                    if (--readyToGo == 0) {
                        connection.owner(null);
                        promise.trySuccess(new Result(List.copyOf(rows), error));
                    }
                }
                default -> { }
            }
        } finally {
            message.release();
        }
    }

    private static List<String> decodeRow(ByteBuf message) {
        int at = message.readerIndex() + 5;
        int columns = message.getUnsignedShort(at);
        at += 2;
        List<String> row = new ArrayList<>(columns);
        for (int i = 0; i < columns; i++) {
            int len = message.getInt(at);
            at += 4;
            if (len < 0) {
                row.add(null);
            } else {
                row.add(message.toString(at, len, StandardCharsets.UTF_8));
                at += len;
            }
        }
        return row;
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        promise.tryFailure(new BackendException(error, "the backend connection closed"));
    }
}
