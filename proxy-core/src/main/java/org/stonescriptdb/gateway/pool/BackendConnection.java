package org.stonescriptdb.gateway.pool;

import org.stonescriptdb.gateway.protocol.TransactionStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * One connection from the gateway to a backend database, logged in as that database's platform role (or the gateway's
 * own login, for the maintenance database).
 * It is owned by at most one {@link BackendOwner} at a time; in between it sits idle in its pool.
 * Fields are touched on the connection's event loop, except the pool bookkeeping, which the pool's lock guards.
 */
public final class BackendConnection {

    private final Channel channel;
    private final String database;
    private final BackendPool pool;
    private final long retireAtNanos;
    private final Map<String, String> parameters = new HashMap<>();
    private final Map<String, String> parametersView = Collections.unmodifiableMap(parameters);
    /** The reported parameters right after login: what RESET ALL returns them to. */
    private Map<String, String> loginParameters = Map.of();
    /** {@link #parameters} still equal {@link #loginParameters} (so a reset need not copy them back). */
    private boolean parametersAsAtLogin = true;
    /**
     * The client whose session state this connection may carry (an opaque token of the session package): whoever
     * held it last, from the moment it was handed to them. Null for a fresh or fully reset connection.
     */
    private Object stateOwner;
    private int processId;
    private int secretKey;
    private volatile TransactionStatus transactionStatus = TransactionStatus.IDLE;
    private volatile BackendOwner owner;
    /** Named statements prepared on this connection, for transaction pooling (guarded by its owner's lock). */
    private final BackendStatements statements = new BackendStatements();
    /** Settings the gateway applied with set_config that the server does not report (lower-case name → value). */
    private final Map<String, String> appliedSettings = new HashMap<>();
    private final Map<String, String> appliedSettingsView = Collections.unmodifiableMap(appliedSettings);
    /**
     * The client settings this session was last found to match (an opaque token of the session package), so the
     * next client with the same settings skips comparing them one by one; forgotten whenever a setting changes.
     */
    private Object matchedSettings;
    /**
     * The client settings this session was found to match while as it was right after login (nothing reported since,
     * nothing applied): after a reset it is so again, so a hand-over to a client with those settings compares nothing.
     */
    private Object matchedAtLogin;
    /** Cancel requests sent for this connection and not yet acknowledged by the server closing their socket. */
    private int cancelsInFlight;
    private Runnable afterCancels;
    /** Guarded by the pool manager's lock: whether this connection still counts against the limits. */
    boolean counted = true;
    long idleSinceNanos;

    BackendConnection(Channel channel, String database, BackendPool pool, long retireAtNanos) {
        this.channel = channel;
        this.database = database;
        this.pool = pool;
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
        return parametersView;
    }

    /** Login is over: the parameters reported so far are the session's defaults. */
    void loginComplete() {
        loginParameters = Map.copyOf(parameters);
        parametersAsAtLogin = true;
    }

    /** Who may have left session state here (null: nobody). */
    public Object stateOwner() {
        return stateOwner;
    }

    public void stateOwner(Object client) {
        stateOwner = client;
    }

    /**
     * The session reset ({@code ClientMessages.sessionReset}) is about to run ahead of anything else sent now: from here
     * on, settings are reckoned as it leaves them — reported parameters back at their login values, nothing the gateway
     * applied — so the client's settings can be computed and sent in the same write.
     */
    public void assumeReset() {
        if (!parametersAsAtLogin) {
            parameters.clear();
            parameters.putAll(loginParameters);
            parametersAsAtLogin = true;
        }
        appliedSettings.clear();
        matchedSettings = matchedAtLogin;
    }

    /** A ParameterStatus from the server. */
    void parameterReported(String name, String value) {
        if (value.equals(parameters.put(name, value))) return;
        matchedSettings = null;
        parametersAsAtLogin = value.equals(loginParameters.get(name)) && parameters.equals(loginParameters);
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
    public TransactionStatus transactionStatus() {
        return transactionStatus;
    }

    void transactionStatus(byte status) {
        this.transactionStatus = TransactionStatus.of(status);
    }

    public BackendOwner owner() {
        return owner;
    }

    public void owner(BackendOwner newOwner) {
        this.owner = newOwner;
    }

    public BackendStatements statements() {
        return statements;
    }

    /** Settings the gateway applied that the server does not report (lower-case name → value); read-only. */
    public Map<String, String> appliedSettings() {
        return appliedSettingsView;
    }

    /** A set_config of settings the server does not report took effect. */
    public void settingsApplied(Map<String, String> settings, Collection<String> reset) {
        boolean changed = false;
        for (String name : reset) changed |= appliedSettings.remove(name) != null;
        for (Map.Entry<String, String> e : settings.entrySet()) changed |= !e.getValue().equals(appliedSettings.put(e.getKey(), e.getValue()));
        if (changed) matchedSettings = null;
    }

    /** RESET ALL ran: the settings the gateway applied are back at their defaults. */
    public void appliedSettingsReset() {
        if (appliedSettings.isEmpty()) return;
        appliedSettings.clear();
        matchedSettings = null;
    }

    /** A session state reset (DISCARD ALL) ran: nothing of ours is prepared or set any more. */
    public void forgetSessionState() {
        statements.clear();
        appliedSettingsReset();
    }

    public Object matchedSettings() {
        return matchedSettings;
    }

    /** The session was found to match {@code token}'s settings (it has nothing else the gateway applied). */
    public void matchedSettings(Object token) {
        matchedSettings = token;
        if (parametersAsAtLogin && appliedSettings.isEmpty()) matchedAtLogin = token;
    }

    /**
     * Marks a cancel request as sent. Until {@link #cancelDone()}, the connection is not given to another client:
     * a cancel that reached the server late would otherwise interrupt that client's query.
     */
    public synchronized void cancelSent() {
        cancelsInFlight++;
    }

    public void cancelDone() {
        Runnable then;
        synchronized (this) {
            if (--cancelsInFlight > 0 || afterCancels == null) return;
            then = afterCancels;
            afterCancels = null;
        }
        then.run();
    }

    /** Runs {@code action} now, or once the cancels in flight are done; returns true if it was deferred. */
    synchronized boolean deferWhileCancelling(Runnable action) {
        if (cancelsInFlight == 0) return false;
        afterCancels = action;
        return true;
    }

    boolean dueForRetirement(long now) {
        return now - retireAtNanos >= 0;
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
