package org.stonescriptdb.gateway.app;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoOps;
import io.netty.util.concurrent.EventExecutor;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's real start and stop ({@link GatewayMain#startOrExit}, {@link StopSignals}), run in a child JVM by
 * {@link ProcessEndsTest}, with one hostile act against the running proxy, named by the only argument. Test code only:
 * nothing here is in the gateway's jar. Prints {@code hostile: <act> begins} on stdout just before the act and
 * {@code hostile: <act> under way} once it is.
 */
public final class HostileGatewayMain {

    /** Filled by {@code heap-exhausted-in-a-loop-task} and kept: the heap stays full while the gateway reports and halts. */
    private static final List<long[]> HOARD = new ArrayList<>();

    private HostileGatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        StopSignals signals = StopSignals.install();
        GatewayApplication app = GatewayMain.startOrExit(new String[0]);
        signals.started(app);
        String act = args[0];
        say("hostile: " + act + " begins");
        switch (act) {
            case "out-of-memory-in-a-loop-task" -> app.proxy().eventLoops().next().execute(() -> {
                long[] tooBig = new long[256 << 20]; // 2 GB, far beyond the child's heap
                tooBig[0] = 1;
            });
            case "heap-exhausted-in-a-loop-task" -> app.proxy().eventLoops().next().execute(() -> {
                while (true) HOARD.add(new long[128 * 1024]);
            });
            case "event-loop-thread-dies" -> killWithin((IoEventLoop) app.proxy().eventLoops().next(),
                    new Error("simulated failure inside the I/O handler"));
            case "every-event-loop-blocked" -> blockForever(app);
            default -> throw new IllegalArgumentException("unknown act " + act);
        }
        say("hostile: " + act + " under way");
        app.awaitStopped();
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Every loop of the proxy, the accepting one included, runs a task that never returns; returns once all do. */
    private static void blockForever(GatewayApplication app) throws InterruptedException {
        List<EventExecutor> loops = new ArrayList<>();
        app.proxy().acceptLoops().forEach(loops::add);
        app.proxy().eventLoops().forEach(loops::add);
        CountDownLatch blocked = new CountDownLatch(loops.size());
        CountDownLatch never = new CountDownLatch(1);
        for (EventExecutor loop : loops) {
            loop.execute(() -> {
                blocked.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        if (!blocked.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("the loops did not all take the blocking task");
    }

    /**
     * Makes the loop's I/O handler itself throw {@code error} (needs IO_TRANSPORT=nio): a pipe registered for reading
     * whose handle throws once the loop sees it readable. Netty passes an Error from there out of the loop, whose thread
     * then ends.
     */
    private static void killWithin(IoEventLoop loop, Error error) throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        IoRegistration registration = loop.register(new NioIoHandle() {
            @Override
            public SelectableChannel selectableChannel() {
                return pipe.source();
            }

            @Override
            public void handle(IoRegistration r, IoEvent event) {
                throw error;
            }

            @Override
            public void close() throws Exception {
                pipe.source().close();
                pipe.sink().close();
            }
        }).get(5, TimeUnit.SECONDS);
        loop.submit(() -> registration.submit(NioIoOps.READ)).get(5, TimeUnit.SECONDS);
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
    }
}
