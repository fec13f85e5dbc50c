package org.stonescriptdb.gateway.config;

/** Which kernel interface the event loops use for sockets ({@code IO_TRANSPORT}). */
public enum IoTransport {
    /** io_uring where the kernel allows it, else epoll, else Java NIO. */
    AUTO,
    /** Linux io_uring: a read and a write per event-loop turn share one system call; least CPU per transaction. */
    IO_URING,
    /** Linux epoll: one system call per read and per write. */
    EPOLL,
    /** Java NIO selectors: any platform. */
    NIO
}
