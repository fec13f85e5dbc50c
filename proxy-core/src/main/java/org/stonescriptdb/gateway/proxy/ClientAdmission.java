package org.stonescriptdb.gateway.proxy;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.SocketChannel;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.metrics.AuthFailure;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides at accept, before a byte is read, whether a connection may go on to start-up: its address must be in
 * {@code ALLOWED_NETWORKS}, and the connection limits must have room. A refused connection gets one FATAL (28000, or
 * 53300 as PostgreSQL answers when it has no slot) and is closed; nothing it sends is read, so a flood of them costs
 * a descriptor for a moment and a log line a minute.
 */
final class ClientAdmission {

    private static final Logger LOG = Logger.getLogger(ClientAdmission.class.getName());
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, Duration.ofMinutes(1));

    /** {@code ALLOWED_NETWORKS} as served now: a reload replaces it. */
    private volatile List<Cidr> allowed;
    private final ClientConnectionLimits limits;
    private final ProxyCounters counters;

    ClientAdmission(GatewayConfig config, ProxyCounters counters) {
        this.allowed = config.allowedNetworks();
        this.counters = counters;
        this.limits = new ClientConnectionLimits(config.limits().maxClientConnections(), config.limits().maxClientConnectionsPerAddress());
    }

    /** True if {@code ch} goes on to start-up; otherwise it has been answered and is closing. */
    boolean admit(SocketChannel ch) {
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (address == null || !isAllowed(address)) {
            String host = address == null ? "unknown" : address.getHostAddress();
            counters.authFailed(AuthFailure.ADDRESS);
            THROTTLED.log(Level.WARNING, "refused address", "refused a connection from " + host + ": not in ALLOWED_NETWORKS");
            refuse(ch, SqlState.INVALID_AUTHORIZATION, "no gateway access for host \"" + host + "\"");
            return false;
        }
        switch (limits.open(address)) {
            case ADMITTED -> {
                ch.closeFuture().addListener(f -> limits.closed(address));
                return true;
            }
            case TOO_MANY_IN_ALL -> {
                THROTTLED.log(Level.WARNING, "too many clients", "refused a connection from " + address.getHostAddress()
                        + ": MAX_CLIENT_CONNECTIONS (" + limits.maxTotal() + ") are open");
                refuse(ch, SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already");
                return false;
            }
            case TOO_MANY_FROM_ADDRESS -> {
                THROTTLED.log(Level.WARNING, "too many clients from one address", "refused a connection from " + address.getHostAddress()
                        + ": MAX_CLIENT_CONNECTIONS_PER_ADDRESS (" + limits.maxPerAddress() + ") from it are open");
                refuse(ch, SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already from host \"" + address.getHostAddress() + "\"");
                return false;
            }
        }
        throw new AssertionError();
    }

    /** New connections meet these limits from now on (a reload of MAX_CLIENT_CONNECTIONS[_PER_ADDRESS]). */
    void clientLimits(int maxTotal, int maxPerAddress) {
        limits.limits(maxTotal, maxPerAddress);
    }

    /** Admits connections from these networks from now on (a reload); connections already open stay. */
    void allowedNetworks(List<Cidr> networks) {
        this.allowed = List.copyOf(networks);
    }

    /** Client connections open now (admitted, not yet closed). */
    int open() {
        return limits.open();
    }

    private boolean isAllowed(InetAddress address) {
        for (Cidr network : allowed) {
            if (network.contains(address)) return true;
        }
        return false;
    }

    private static void refuse(SocketChannel ch, String code, String message) {
        ch.config().setAutoRead(false);
        ch.writeAndFlush(ServerMessages.fatal(ch.alloc(), code, message)).addListener(ChannelFutureListener.CLOSE);
    }
}
