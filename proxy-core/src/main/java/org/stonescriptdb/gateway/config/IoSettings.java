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
