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
    void aClientThatDidNotComeBackIsNotWaitedForUntilItComesBackQuickly() {
        BackendLinger l = new BackendLinger(new Linger(Duration.ofMillis(1), 16));
        assertThat(l.keep(0)).isTrue();
        l.expired();
        l.nextTransaction(50 * MS); // 50 ms of think time
        assertThat(l.keep(60 * MS)).as("not waited for").isFalse();
        l.nextTransaction(110 * MS);
        assertThat(l.keep(120 * MS)).as("still slow").isFalse();
        l.nextTransaction(120 * MS + MS / 2); // back within the window
        assertThat(l.keep(130 * MS)).isTrue();
    }

    @Test
    void offKeepsNothing() {
        BackendLinger l = new BackendLinger(Linger.off());
        assertThat(l.keep(0)).isFalse();
        assertThat(new BackendLinger(new Linger(Duration.ofMillis(1), 0)).keep(0)).isFalse();
    }
}
