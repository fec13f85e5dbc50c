package org.stonescriptdb.gateway.config;

import java.util.Objects;

/**
 * The event loops that serve client and backend connections.
 *
 * @param threads    how many ({@code IO_THREADS})
 * @param transport  the kernel interface they use ({@code IO_TRANSPORT})
 * @param spinMicros how long a loop keeps polling for I/O after its last before it sleeps; 0: never ({@code IO_SPIN_MICROS})
 */
public record IoSettings(int threads, IoTransport transport, int spinMicros) {

    public IoSettings {
        Objects.requireNonNull(transport, "transport");
    }

    /**
     * The default {@code IO_THREADS}: one loop per two cores, at least one. A transaction whose client and backend sit
     * on different loops hands every write to another thread, and a loop with less to do sleeps and wakes more often:
     * on two cores shared with PostgreSQL and the clients, two loops cost 25–40 % more CPU per transaction in the
     * single-database benchmark and twice PgBouncer's in the multi-tenant one, where one loop matched it (see
     * docs/benchmarks.md). Half the cores leaves room for the kernel's network work and whatever shares the machine.
     */
    public static int defaultThreads(int cores) {
        return Math.max(1, cores / 2);
    }

    public IoSettings withThreads(int newThreads) {
        return new IoSettings(newThreads, transport, spinMicros);
    }

    public IoSettings withTransport(IoTransport newTransport) {
        return new IoSettings(threads, newTransport, spinMicros);
    }

    public IoSettings withSpinMicros(int micros) {
        return new IoSettings(threads, transport, micros);
    }
}
