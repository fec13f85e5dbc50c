package org.stonescriptdb.gateway.transport;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * An event loop's I/O handler that, for a while after it last found work, polls for more instead of going to sleep
 * ({@code IO_SPIN_MICROS}). A proxy's reply usually follows its request within a hundred microseconds; a loop that
 * went to sleep in between must be woken for it, and on a virtual machine that wake-up is most of what a proxy adds
 * to a single client's latency. Polling costs CPU instead — up to one core per loop while traffic is light — so it
 * is off unless configured.
 *
 * <p>Only the wait is changed: every poll is the wrapped handler's own run with nothing to wait for, so what it does
 * with the completions it finds is untouched.
 */
final class SpinningIoHandler implements IoHandler {

    /**
     * Every poll is a run of the wrapped handler that may not block. epoll and NIO then look for ready channels without
     * waiting; io_uring (set up by Netty with deferred task running and the task-run flag) submits what is queued and,
     * when the kernel flags completions waiting, reaps them in the same system call.
     */
    private static final IoHandlerContext POLL = new IoHandlerContext() {
        @Override public boolean canBlock() { return false; }
        @Override public long delayNanos(long currentTimeNanos) { return 0; }
        @Override public long deadlineNanos() { return -1; }
    };

    private final IoHandler delegate;
    private final long spinNanos;
    private final int eventsOfAnExpiredWait;
    private long lastWorkNanos;

    private SpinningIoHandler(IoHandler delegate, long spinNanos, boolean timerIsAnEvent) {
        this.delegate = delegate;
        this.spinNanos = spinNanos;
        this.eventsOfAnExpiredWait = timerIsAnEvent ? 1 : 0;
        this.lastWorkNanos = System.nanoTime() - spinNanos;
    }

    /**
     * {@code factory} itself when {@code spinMicros} is 0. {@code timerIsAnEvent}: a timed wait of this handler reports
     * its own expired timer as an event (io_uring's timeout is a completion), which is not I/O.
     */
    static IoHandlerFactory wrap(IoHandlerFactory factory, int spinMicros, boolean timerIsAnEvent) {
        if (spinMicros <= 0) return factory;
        long spinNanos = spinMicros * 1_000L;
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new SpinningIoHandler(factory.newHandler(executor), spinNanos, timerIsAnEvent);
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    @Override
    public int run(IoHandlerContext context) {
        if (!context.canBlock()) {
            return delegate.run(context);  // tasks are waiting: the loop does not sleep anyway
        }
        long now = System.nanoTime();
        boolean timerDue = context.deadlineNanos() != -1 && context.delayNanos(now) <= 0;
        if (now - lastWorkNanos < spinNanos && !timerDue) {
            int events = delegate.run(POLL);
            if (events > 0) lastWorkNanos = System.nanoTime();
            return events;
        }
        int events = delegate.run(context);
        // A timed wait on io_uring ends with its timer's completion as well, whatever woke it.
        int timerEvents = context.deadlineNanos() == -1 ? 0 : eventsOfAnExpiredWait;
        if (events > timerEvents) lastWorkNanos = System.nanoTime();
        return events;
    }

    @Override public void initialize() { delegate.initialize(); }
    @Override public void prepareToDestroy() { delegate.prepareToDestroy(); }
    @Override public void destroy() { delegate.destroy(); }
    @Override public IoRegistration register(IoHandle handle) throws Exception { return delegate.register(handle); }
    @Override public void wakeup() { delegate.wakeup(); }
    @Override public boolean isCompatible(Class<? extends IoHandle> handleType) { return delegate.isCompatible(handleType); }
}
