package org.stonescriptdb.gateway.pool;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.BackendTarget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who waits and who goes next, on plain objects: no server, no channel. The event loops are never started; they only
 * tell waiters apart.
 */
class WaiterQueueTest {

    private static final EventLoop LOOP_A = new DefaultEventLoop();
    private static final EventLoop LOOP_B = new DefaultEventLoop();
    private static final Predicate<BackendPool> ALL = p -> true;
    private static final BiPredicate<BackendPool, EventLoop> NO_IDLE = (p, l) -> false;
    private static final long GRACE = Duration.ofMillis(1).toNanos();
    private static final BackendTarget SERVER = new BackendTarget("db.internal", 5432, "postgres", "gateway", "");

    private final BackendPool a = new BackendPool(new PoolKey(SERVER, "a"));
    private final BackendPool b = new BackendPool(new PoolKey(SERVER, "b"));
    private final WaiterQueue queue = new WaiterQueue(Duration.ofNanos(GRACE));

    @AfterAll
    static void tearDown() {
        LOOP_A.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
        LOOP_B.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static Waiter waiter(BackendPool pool, EventLoop loop) {
        return new Waiter(pool, loop, ImmediateEventExecutor.INSTANCE.newPromise(), null, null);
    }

    private Waiter add(BackendPool pool, long now) {
        return add(pool, LOOP_A, now);
    }

    private Waiter add(BackendPool pool, EventLoop loop, long now) {
        Waiter w = waiter(pool, loop);
        queue.add(w, now);
        return w;
    }

    /** Serves whoever {@link WaiterQueue#next} picks until nobody can be served. */
    private List<Waiter> serveAll(long now, Predicate<BackendPool> servable) {
        List<Waiter> served = new ArrayList<>();
        Waiter w;
        while ((w = queue.next(now, servable, NO_IDLE)) != null) {
            queue.remove(w);
            served.add(w);
        }
        return served;
    }

    @Test
    void waitersAcrossPoolsAreServedInArrivalOrder() {
        Waiter a1 = add(a, 0), b1 = add(b, 1), b2 = add(b, 2), a2 = add(a, 3);
        assertThat(queue.size()).isEqualTo(4);
        assertThat(serveAll(10, ALL)).containsExactly(a1, b1, b2, a2);
        assertThat(queue.size()).isZero();
        assertThat(queue.hasWaiters(a) || queue.hasWaiters(b)).isFalse();
    }

    @Test
    void theOldestWaiterOfAPoolThatCanBeServedGoesFirstAndTheOthersKeepTheirPlace() {
        Waiter a1 = add(a, 0), b1 = add(b, 1), a2 = add(a, 2), b2 = add(b, 3);
        assertThat(serveAll(10, p -> p == b)).containsExactly(b1, b2);
        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.next(10, p -> false, NO_IDLE)).as("nothing servable: nobody").isNull();
        assertThat(serveAll(10, ALL)).containsExactly(a1, a2);
    }

    @Test
    void aWaiterThatCancelsIsWithdrawnOnceAndNeverServed() {
        Waiter a1 = add(a, 0), a2 = add(a, 1);
        a1.promise.cancel(false);
        queue.remove(a1);
        queue.remove(a1);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(serveAll(10, ALL)).containsExactly(a2);
        queue.remove(a2);
        assertThat(queue.size()).as("a waiter removed after it was served counts once").isZero();
    }

    @Test
    void aWaiterThatGaveUpWithoutWithdrawingIsDroppedWhenItComesFirst() {
        Waiter a1 = add(a, 0), b1 = add(b, 1), a2 = add(a, 2);
        a1.promise.cancel(false);
        assertThat(queue.next(10, ALL, NO_IDLE)).isSameAs(b1);
        assertThat(queue.size()).as("the cancelled head is dropped and no longer counted").isEqualTo(2);
        assertThat(serveAll(10, ALL)).containsExactly(b1, a2);
    }

    @Test
    void waitersPastTheTimeoutExpireOldestFirstAndTheNextDeadlineIsTheOldestLeft() {
        long timeout = 100;
        Waiter a1 = add(a, 0), b1 = add(b, 10), a2 = add(a, 20), gaveUp = add(b, 30), b2 = add(b, 60);
        gaveUp.promise.cancel(false);
        List<Waiter> expired = new ArrayList<>();
        List<Integer> leftWhenExpired = new ArrayList<>();
        long next = queue.expire(125, timeout, w -> {
            expired.add(w);
            leftWhenExpired.add(queue.size());
        });
        assertThat(expired).containsExactlyInAnyOrder(a1, b1, a2);
        assertThat(expired.indexOf(a1)).isLessThan(expired.indexOf(a2));
        assertThat(leftWhenExpired).as("each is out of the count when handed over").containsExactly(4, 3, 2);
        assertThat(queue.size()).as("the cancelled one is dropped, not expired").isEqualTo(1);
        assertThat(next).isEqualTo(60 + timeout);
        assertThat(queue.expire(159, timeout, w -> expired.add(w))).isEqualTo(160);
        assertThat(queue.expire(160, timeout, w -> expired.add(w))).isEqualTo(Long.MAX_VALUE);
        assertThat(expired).endsWith(b2);
        assertThat(queue.size()).isZero();
    }

    @Test
    void aWaiterOnALoopWithAnIdleConnectionMayGoBeforeAnOlderOneWithinTheGrace() {
        Waiter olderOnA = add(a, LOOP_A, 0), youngerOnB = add(a, LOOP_B, 0);
        Waiter otherPoolOnB = add(b, LOOP_B, 0);
        BiPredicate<BackendPool, EventLoop> idleOnB = (p, l) -> l == LOOP_B;
        assertThat(queue.next(GRACE, ALL, idleOnB)).isSameAs(youngerOnB);
        assertThat(queue.next(GRACE + 1, ALL, idleOnB)).as("past the grace, arrival order").isSameAs(olderOnA);
        assertThat(queue.next(0, ALL, (p, l) -> true)).as("its own loop has one too").isSameAs(olderOnA);
        assertThat(queue.next(0, ALL, NO_IDLE)).isSameAs(olderOnA);
        queue.remove(olderOnA);
        queue.remove(youngerOnB);
        assertThat(queue.next(0, ALL, idleOnB)).isSameAs(otherPoolOnB);
    }

    @Test
    void theStandInIsLookedForOnlyAFewPlacesDownTheQueue() {
        Waiter head = add(a, LOOP_A, 0);
        for (int i = 0; i < 16; i++) add(a, LOOP_A, 0);
        Waiter seventeenthBehind = add(a, LOOP_B, 0);
        assertThat(queue.next(0, ALL, (p, l) -> l == LOOP_B)).isSameAs(head);
        queue.remove(queue.next(0, ALL, NO_IDLE));
        assertThat(queue.next(0, ALL, (p, l) -> l == LOOP_B)).isSameAs(seventeenthBehind);
    }

    @Test
    void clearHandsBackEveryWaiterAndEmptiesTheQueue() {
        Waiter a1 = add(a, 0), b1 = add(b, 1), a2 = add(a, 2);
        assertThat(Set.copyOf(queue.clear())).containsExactlyInAnyOrder(a1, b1, a2);
        assertThat(queue.size()).isZero();
        assertThat(queue.next(0, ALL, NO_IDLE)).isNull();
        assertThat(queue.hasWaiters(a)).isFalse();
    }

    @Test
    void repeatedWaitsAndServesKeepTheCountAndTheOrder() {
        List<Waiter> order = new ArrayList<>();
        for (int round = 0; round < 1_000; round++) {
            Waiter w1 = add(round % 2 == 0 ? a : b, round);
            Waiter w2 = add(round % 3 == 0 ? a : b, round);
            Waiter cancelled = add(a, round);
            cancelled.promise.cancel(false);
            if (round % 2 == 0) queue.remove(cancelled);
            order.addAll(serveAll(round, ALL));
            assertThat(order).endsWith(w1, w2);
            assertThat(queue.size()).isZero();
        }
        assertThat(order).hasSize(2_000);
        assertThat(queue.hasWaiters(a) || queue.hasWaiters(b)).isFalse();
    }
}
