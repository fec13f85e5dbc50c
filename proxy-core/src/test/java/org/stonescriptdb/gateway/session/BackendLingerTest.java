package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.Linger;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackendLingerTest {

    private static final long MS = 1_000_000;

    @Test
    void aClientThatComesStraightBackKeepsItsBackendUpToTheLimitThenGivesItBack() {
        BackendLinger l = new BackendLinger(new Linger(Duration.ofMillis(1), 3));
        for (int i = 0; i < 3; i++) {
            assertThat(l.keep(i * MS)).isTrue();
            l.nextTransaction(i * MS + 1000);
        }
        assertThat(l.keep(3 * MS)).as("fourth in a row: others get their turn").isFalse();
        l.nextTransaction(3 * MS + 1000);
        assertThat(l.keep(4 * MS)).as("a fresh run after the backend went back").isTrue();
    }

    @Test
    void aClientThatMostlyDoesNotComeBackInTimeIsNotWaitedForAndOneThatDoesIsAgain() {
        BackendLinger l = new BackendLinger(new Linger(Duration.ofMillis(1), 16));
        long t = 1_000 * MS;
        assertThat(l.keep(t)).isTrue();
        l.expired();
        l.nextTransaction(t += 50 * MS); // 50 ms of think time
        assertThat(l.keep(t += MS)).as("one late return").isTrue();
        l.expired();
        l.nextTransaction(t += 50 * MS);
        assertThat(l.keep(t += MS)).as("two late returns: no longer waited for").isFalse();
        l.nextTransaction(t += 50 * MS);
        assertThat(l.keep(t += MS)).isFalse();
        for (int i = 0; i < 2; i++) {
            l.nextTransaction(t += MS / 2); // back within the window
            assertThat(l.keep(t += MS)).as("after %d quick returns", i + 1).isEqualTo(i == 1);
        }
    }

    @Test
    void aClientThatMostlyComesBackAtOnceIsKeptForThoughItSometimesDoesNot() {
        BackendLinger l = new BackendLinger(new Linger(Duration.ofMillis(1), 1_000));
        long t = 1_000 * MS;
        for (int i = 0; i < 20; i++) {
            assertThat(l.keep(t += MS)).isTrue();
            l.nextTransaction(t += MS / 2);
        }
        assertThat(l.keep(t += MS)).isTrue();
        l.expired();
        l.nextTransaction(t += 5 * MS); // one late return among many quick ones
        assertThat(l.keep(t += MS)).as("still kept for").isTrue();
    }

    @Test
    void offKeepsNothing() {
        BackendLinger l = new BackendLinger(Linger.off());
        assertThat(l.keep(0)).isFalse();
        assertThat(new BackendLinger(new Linger(Duration.ofMillis(1), 0)).keep(0)).isFalse();
    }
}
