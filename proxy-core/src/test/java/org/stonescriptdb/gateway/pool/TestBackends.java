package org.stonescriptdb.gateway.pool;

import io.netty.channel.Channel;

/** Backend connections on a channel of the test's choosing (an EmbeddedChannel), for unit tests without a server. */
public final class TestBackends {

    private TestBackends() {
    }

    public static BackendConnection on(Channel channel, String database) {
        return new BackendConnection(channel, database, null, Long.MAX_VALUE);
    }

    /** What {@code BackendHandler} records of a ReadyForQuery before the connection's owner sees it: its status byte. */
    public static void readyForQuery(BackendConnection backend, byte status) {
        backend.transactionStatus(status);
    }

    /** What {@code BackendHandler} records at the end of login: the parameters reported so far are the defaults. */
    public static void loginComplete(BackendConnection backend) {
        backend.loginComplete();
    }

    /** What {@code BackendHandler} records of a ParameterStatus (during login, or after). */
    public static void reported(BackendConnection backend, String name, String value) {
        backend.parameterReported(name, value);
    }
}
