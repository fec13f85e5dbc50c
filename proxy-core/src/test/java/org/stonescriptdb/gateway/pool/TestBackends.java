package org.stonescriptdb.gateway.pool;

import io.netty.channel.Channel;

/** Backend connections on a channel of the test's choosing (an EmbeddedChannel), for unit tests without a server. */
public final class TestBackends {

    private TestBackends() {
    }

    public static BackendConnection on(Channel channel, String database) {
        return new BackendConnection(channel, database, null, Long.MAX_VALUE);
    }
}
