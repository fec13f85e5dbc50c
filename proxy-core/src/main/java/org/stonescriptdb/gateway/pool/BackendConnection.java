package org.stonescriptdb.gateway.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.util.HashMap;
import java.util.Map;

/**
 * One connection from the gateway to a backend database, logged in with the gateway's credentials.
 * It is owned by at most one {@link BackendOwner} at a time; in between it sits idle in its pool.
 * Fields are touched on the connection's event loop, except the pool bookkeeping, which the pool's lock guards.
 */
public final class BackendConnection {

    private final Channel channel;
    private final String database;
    private final BackendPool pool;
    private final long createdNanos;
    private final long retireAtNanos;
    private final Map<String, String> parameters = new HashMap<>();
    private int processId;
    private int secretKey;
    private volatile byte transactionStatus = 'I';
    private volatile BackendOwner owner;
    /** Guarded by the pool manager's lock: whether this connection still counts against the limits. */
    boolean counted = true;
    long idleSinceNanos;

    BackendConnection(Channel channel, String database, BackendPool pool, long retireAtNanos) {
        this.channel = channel;
        this.database = database;
        this.pool = pool;
        this.createdNanos = System.nanoTime();
        this.retireAtNanos = retireAtNanos;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public String database() {
        return database;
    }

    BackendPool pool() {
        return pool;
    }

    public boolean isActive() {
        return channel.isActive();
    }

    /** Server-reported run-time parameters, as last reported on this connection (event-loop thread only). */
    public Map<String, String> parameters() {
        return parameters;
    }

    public int processId() {
        return processId;
    }

    public int secretKey() {
        return secretKey;
    }

    void keyData(int pid, int secret) {
        this.processId = pid;
        this.secretKey = secret;
    }

    /** The status byte of the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a failed one. */
    public byte transactionStatus() {
        return transactionStatus;
    }

    void transactionStatus(byte status) {
        this.transactionStatus = status;
    }

    public BackendOwner owner() {
        return owner;
    }

    public void owner(BackendOwner newOwner) {
        this.owner = newOwner;
    }

    boolean dueForRetirement(long now) {
        return now - retireAtNanos >= 0;
    }

    long createdNanos() {
        return createdNanos;
    }

    /** Writes and flushes gateway-built bytes to the backend. */
    public void send(ByteBuf message) {
        channel.writeAndFlush(message, channel.voidPromise());
    }

    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "backend[" + database + " pid " + processId + "]";
    }
}
