package org.stonescriptdb.gateway.pool;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PausedDatabasesTest {

    private final PausedDatabases paused = new PausedDatabases();
    private final BackendPool acme = new BackendPool(new PoolKey(null, "demo_acme"));
    private final BackendPool globex = new BackendPool(new PoolKey(null, "demo_globex"));

    @Test
    void nothingIsPausedAtFirst() {
        assertThat(paused.isPaused(acme)).isFalse();
        assertThat(paused.names()).isEmpty();
    }

    @Test
    void pausingOneDatabaseLeavesTheOthersServed() {
        paused.pause("demo_acme");
        assertThat(paused.isPaused(acme)).isTrue();
        assertThat(paused.isPaused(globex)).isFalse();
        assertThat(paused.names()).containsExactly("demo_acme");
    }

    @Test
    void pausingEveryDatabaseCoversThoseNotNamedAndIsShownAsAStar() {
        paused.pause("demo_globex");
        paused.pause(null);
        assertThat(paused.isPaused(acme)).isTrue();
        assertThat(paused.names()).containsExactly("*", "demo_globex");
    }

    @Test
    void resumingOneEndsOnlyItsOwnPause() {
        paused.pause("demo_acme");
        paused.pause("demo_globex");
        paused.resume("demo_acme");
        assertThat(paused.isPaused(acme)).isFalse();
        assertThat(paused.isPaused(globex)).isTrue();
    }

    @Test
    void resumingWithoutANameEndsEveryPause() {
        paused.pause("demo_acme");
        paused.pause(null);
        paused.resume(null);
        assertThat(paused.isPaused(acme)).isFalse();
        assertThat(paused.isPaused(globex)).isFalse();
        assertThat(paused.names()).isEmpty();
    }

    @Test
    void aPauseOfEveryDatabaseOutlivesTheResumeOfOneName() {
        paused.pause(null);
        paused.resume("demo_acme");
        assertThat(paused.isPaused(acme)).as("PAUSE (all) then RESUME demo_acme: still paused, as before").isTrue();
    }
}
