package org.stonescriptdb.gateway.session;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A deadline set and stopped again and again, on a loop whose clock the test moves ({@link EmbeddedChannel#advanceTimeBy}). */
class LazyDeadlineTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private int expiries;
    private final LazyDeadline timer = new LazyDeadline(this, channel.eventLoop(), TimeUnit.MILLISECONDS.toNanos(100), () -> expiries++);

    LazyDeadlineTest() {
        channel.freezeTime();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void after(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aWindowNobodyEndsExpiresOnceAtItsEnd() {
        timer.start();
        after(99);
        assertThat(expiries).isZero();
        after(1);
        assertThat(expiries).isEqualTo(1);
        assertThat(timer.running()).isFalse();
        after(500);
        assertThat(expiries).isEqualTo(1);
    }

    @Test
    void aClientThatCameBackIsNeverExpiredByItsOldWindow() {
        timer.start();
        after(50);
        timer.stop(); // came back
        after(100);
        assertThat(expiries).isZero();
    }

    /** Back at 90 ms and lingering again: the first window's task must not end the second window at 100 ms. */
    @Test
    void aRenewedWindowEndsAtItsOwnEndNotTheFirstOnes() {
        timer.start();
        after(90);
        timer.stop();
        timer.start(); // ends at 190
        after(10);
        assertThat(expiries).as("at 100 ms").isZero();
        assertThat(timer.running()).isTrue();
        after(89);
        assertThat(expiries).as("at 189 ms").isZero();
        after(1);
        assertThat(expiries).as("at 190 ms").isEqualTo(1);
    }

    /** A client that left must not stay reachable from the loop's timer queue until a long deadline runs out. */
    @Test
    void cancellingRemovesThePendingTaskAtOnce() {
        timer.start();
        timer.stop();
        timer.start();
        timer.cancel();
        assertThat(channel.runScheduledPendingTasks()).as("nothing left scheduled").isEqualTo(-1);
        after(1000);
        assertThat(expiries).isZero();
        timer.start(); // (a deadline set again afterwards works as before)
        after(100);
        assertThat(expiries).isEqualTo(1);
    }

    @Test
    void manyRenewalsEndInOneExpiryAtTheLastWindowsEnd() {
        for (int i = 0; i < 1000; i++) {
            timer.start();
            timer.stop();
            after(0);
        }
        timer.start();
        after(99);
        assertThat(expiries).isZero();
        after(1);
        assertThat(expiries).isEqualTo(1);
    }
}
