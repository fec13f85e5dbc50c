package org.stonescriptdb.gateway.proxy;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open client connections, in all and per source address, against {@code MAX_CLIENT_CONNECTIONS} and
 * {@code MAX_CLIENT_CONNECTIONS_PER_ADDRESS}, so that one address (or a flood from many) cannot take every descriptor.
 * Thread-safe: accepted connections are counted on whichever event loop they land.
 */
final class ClientConnectionLimits {

    /** Why a connection was not admitted, or {@link #ADMITTED}. */
    enum Verdict { ADMITTED, TOO_MANY_IN_ALL, TOO_MANY_FROM_ADDRESS }

    /** Replaced by a reload; connections already open stay, new ones meet the new limits. */
    private volatile int maxTotal;
    private volatile int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    ClientConnectionLimits(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /** Counts a new connection if both limits allow it; an admitted one must be {@link #closed} exactly once. */
    Verdict open(InetAddress address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Verdict.TOO_MANY_IN_ALL;
        }
        boolean[] admitted = {false};
        perAddress.compute(address, (a, count) -> {
            AtomicInteger c = count == null ? new AtomicInteger() : count;
            if (c.get() < maxPerAddress) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        if (!admitted[0]) {
            total.decrementAndGet();
            return Verdict.TOO_MANY_FROM_ADDRESS;
        }
        return Verdict.ADMITTED;
    }

    void closed(InetAddress address) {
        perAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() == 0 ? null : c);
        total.decrementAndGet();
    }

    int open() {
        return total.get();
    }

    /** Addresses with an open connection (the map never keeps an address with none). */
    int addresses() {
        return perAddress.size();
    }

    void limits(int newMaxTotal, int newMaxPerAddress) {
        this.maxTotal = newMaxTotal;
        this.maxPerAddress = newMaxPerAddress;
    }

    int maxTotal() {
        return maxTotal;
    }

    int maxPerAddress() {
        return maxPerAddress;
    }
}
