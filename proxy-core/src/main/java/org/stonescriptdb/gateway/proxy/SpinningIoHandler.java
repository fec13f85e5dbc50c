package org.stonescriptdb.gateway.proxy;

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
     * How a run of the wrapped handler only looks for ready I/O. epoll and NIO do that when told they may not block.
     * io_uring (as Netty sets it up, with deferred task running) reaps completions only inside a wait, so it is
     * asked to wait with a deadline that has already passed, and its timer's own completion counts as one event.
     */
    enum PollStyle {
        NON_BLOCKING(0), ZERO_WAIT(1);

        final int eventsOfAnEmptyPoll;

        PollStyle(int eventsOfAnEmptyPoll) {
            this.eventsOfAnEmptyPoll = eventsOfAnEmptyPoll;
        }
    }

    private static final IoHandlerContext NON_BLOCKING_POLL = new IoHandlerContext() {
        @Override public boolean canBlock() { return false; }
        @Override public long delayNanos(long currentTimeNanos) { return 0; }
        @Override public long deadlineNanos() { return -1; }
    };

    private static final IoHandlerContext ZERO_WAIT_POLL = new IoHandlerContext() {
        @Override public boolean canBlock() { return true; }
        @Override public long delayNanos(long currentTimeNanos) { return 0; }
        @Override public long deadlineNanos() { return System.nanoTime(); }
    };

    private final IoHandler delegate;
    private final long spinNanos;
    private final PollStyle pollStyle;
    private final IoHandlerContext poll;
    private long lastWorkNanos;

    private SpinningIoHandler(IoHandler delegate, long spinNanos, PollStyle pollStyle) {
        this.delegate = delegate;
        this.spinNanos = spinNanos;
        this.pollStyle = pollStyle;
        this.poll = pollStyle == PollStyle.ZERO_WAIT ? ZERO_WAIT_POLL : NON_BLOCKING_POLL;
        this.lastWorkNanos = System.nanoTime() - spinNanos;
    }

    /** {@code factory} itself when {@code spinMicros} is 0. */
    static IoHandlerFactory wrap(IoHandlerFactory factory, int spinMicros, PollStyle pollStyle) {
        if (spinMicros <= 0) return factory;
        long spinNanos = spinMicros * 1_000L;
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new SpinningIoHandler(factory.newHandler(executor), spinNanos, pollStyle);
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
            int events = delegate.run(poll);
            if (events > pollStyle.eventsOfAnEmptyPoll) lastWorkNanos = System.nanoTime();
            return events;
        }
        int events = delegate.run(context);
        // A timed wait on io_uring ends with its timer's completion as well, whatever woke it.
        int timerEvents = context.deadlineNanos() == -1 ? 0 : pollStyle.eventsOfAnEmptyPoll;
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
