package org.stonescriptdb.gateway.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.stonescriptdb.gateway.config.ConfigException;
import org.stonescriptdb.gateway.config.IoTransport;

/**
 * The event loops' kernel interface and the matching channel classes. io_uring first: a turn of the event loop
 * submits the writes it produced and waits for the next completions in one system call, where epoll needs one per
 * read, per write and per wait — on the benchmark machine that is a fifth less CPU per transaction.
 *
 * @param timerIsAnEvent whether the handler counts the expiry of its own timed wait as an event (io_uring's timeout is
 *                       a completion like any other); {@link SpinningIoHandler} must not take that for I/O
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, boolean timerIsAnEvent, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel) {

    /** The transport {@code wanted} names; for {@link IoTransport#AUTO} the best this machine offers. */
    public static Transport of(IoTransport wanted) {
        return switch (wanted) {
            case AUTO -> IoUring.isAvailable() ? ioUring() : Epoll.isAvailable() ? epoll() : nio();
            case IO_URING -> {
                if (!IoUring.isAvailable()) throw unavailable("io_uring", IoUring.unavailabilityCause());
                yield ioUring();
            }
            case EPOLL -> {
                if (!Epoll.isAvailable()) throw unavailable("epoll", Epoll.unavailabilityCause());
                yield epoll();
            }
            case NIO -> nio();
        };
    }

    /** Whether {@code transport} can run here (for tests that try every one). */
    public static boolean available(IoTransport transport) {
        return switch (transport) {
            case IO_URING -> IoUring.isAvailable();
            case EPOLL -> Epoll.isAvailable();
            case AUTO, NIO -> true;
        };
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), true, IoUringServerSocketChannel.class, IoUringSocketChannel.class);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), false, EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), false, NioServerSocketChannel.class, NioSocketChannel.class);
    }

    private static ConfigException unavailable(String name, Throwable cause) {
        return new ConfigException("IO_TRANSPORT=" + name + ", but " + name + " cannot be used here ("
                + (cause == null ? "unknown reason" : cause.getMessage()) + "); use IO_TRANSPORT=auto");
    }

    public EventLoopGroup newGroup(int threads, String threadName) {
        return newGroup(threads, threadName, 0);
    }

    /** Event loops that keep polling for up to {@code spinMicros} after they last found I/O ({@code IO_SPIN_MICROS}). */
    public EventLoopGroup newGroup(int threads, String threadName, int spinMicros) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true),
                SpinningIoHandler.wrap(ioHandlerFactory, spinMicros, timerIsAnEvent));
    }
}
