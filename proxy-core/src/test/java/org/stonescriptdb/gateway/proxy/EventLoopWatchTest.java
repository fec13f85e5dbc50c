package org.stonescriptdb.gateway.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.nio.NioIoOps;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.transport.Transport;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watch over real event loops: a loop kept busy by a task that never returns is reported by name and forgiven once
 * it runs again; a loop whose thread dies of an Error is handed over at once; loops stopped on purpose are not.
 */
class EventLoopWatchTest {

    private static final Duration INTERVAL = Duration.ofMillis(20);
    private static final Duration STALL = Duration.ofMillis(300);

    private final List<String> deaths = new CopyOnWriteArrayList<>();
    private final List<Throwable> causes = new CopyOnWriteArrayList<>();
    private EventLoopGroup group;

    @AfterEach
    void stop() {
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void aBlockedLoopIsNamedUntilItRunsAgain() throws Exception {
        group = Transport.of(IoTransport.AUTO).newGroup(2, "watched");
        EventLoopWatch watch = watch(group);
        watch.start();
        await(() -> watch.problems().isEmpty(), "both loops beat");

        CountDownLatch release = new CountDownLatch(1);
        IoEventLoop second = loop(group, 1);
        second.execute(() -> awaitQuietly(release));
        await(() -> !watch.problems().isEmpty(), "the blocked loop is reported");
        assertThat(watch.problems()).singleElement().asString()
                .startsWith("watched event loop 2 of 2 has not run for ").endsWith(" ms (blocked or overloaded)");

        release.countDown();
        await(() -> watch.problems().isEmpty(), "the loop runs again");
        assertThat(deaths).isEmpty();
    }

    @Test
    void aLoopWhoseThreadDiesIsHandedOverAtOnce() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("watched", true), NioIoHandler.newFactory());
        EventLoopWatch watch = watch(group);
        watch.start();
        Error killer = new Error("simulated failure inside the I/O handler");
        killWithin(loop(group, 0), killer);

        await(() -> !deaths.isEmpty(), "the death is reported");
        assertThat(deaths).containsExactly("watched event loop 1 of 2 terminated unexpectedly");
        assertThat(causes).containsExactly(killer);
        assertThat(watch.problems()).containsExactly("watched event loop 1 of 2 has stopped");
    }

    @Test
    void loopsStoppedOnPurposeAreNotDeaths() throws Exception {
        group = Transport.of(IoTransport.AUTO).newGroup(2, "watched");
        EventLoopWatch watch = watch(group);
        watch.start();
        CompletableFuture<Void> listenersRan = new CompletableFuture<>();
        // Listeners run in the order they were added: once this one has run, so has the watch's.
        loop(group, 1).terminationFuture().addListener(f -> listenersRan.complete(null));

        watch.stopping();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        listenersRan.get(5, TimeUnit.SECONDS);
        assertThat(deaths).isEmpty();
        assertThat(watch.problems()).containsExactly("watched event loop 1 of 2 has stopped", "watched event loop 2 of 2 has stopped");
    }

    private EventLoopWatch watch(EventLoopGroup loops) {
        return new EventLoopWatch("watched", loops, INTERVAL, STALL, (what, cause) -> {
            causes.add(cause);
            deaths.add(what);
        });
    }

    private static IoEventLoop loop(EventLoopGroup loops, int index) {
        var it = loops.iterator();
        for (int i = 0; i < index; i++) it.next();
        return (IoEventLoop) it.next();
    }

    /**
     * Makes the loop's I/O handler itself throw {@code error}: a pipe registered for reading whose handle throws when
     * the loop sees it readable. Netty passes an Error from there out of the loop, and the loop's thread ends.
     */
    static void killWithin(IoEventLoop loop, Error error) throws Exception {
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

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        Await.until(Duration.ofSeconds(10), condition, what);
    }
}
