package org.stonescriptdb.gateway.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ActionLockTest {

    private final ActionLock lock = new ActionLock();

    @Test
    void actionsRunInOrderOnceTheBodyIsDone() {
        List<String> seen = new ArrayList<>();
        lock.withActions(actions -> {
            actions.add(() -> seen.add("first"));
            actions.add(() -> seen.add("second"));
            seen.add("body");
        });
        assertThat(seen).containsExactly("body", "first", "second");
    }

    @Test
    void actionsRunWithTheLockReleased() throws InterruptedException {
        AtomicBoolean otherThreadGotIn = new AtomicBoolean();
        lock.withActions(actions -> actions.add(() -> {
            // Another thread can take the lock while an action runs: it would wait forever if the lock were held.
            Thread other = new Thread(() -> lock.change(() -> otherThreadGotIn.set(true)));
            other.start();
            try {
                other.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(otherThreadGotIn).isTrue();
    }

    @Test
    void aFailingBodyReleasesTheLockAndRunsNothing() throws InterruptedException {
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> lock.withActions(actions -> {
            actions.add(() -> ran.set(true));
            throw new IllegalStateException("bookkeeping failed");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(ran).isFalse();
        Thread other = new Thread(() -> lock.change(() -> ran.set(true)));
        other.start();
        other.join(5_000);
        assertThat(ran).as("the lock is free again").isTrue();
    }

    @Test
    void readsUnderTheLock() {
        assertThat(lock.read(() -> 42)).isEqualTo(42);
    }
}
