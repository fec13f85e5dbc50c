package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LockRetryTest {

    private static final DeployFailure LOCK = new DeployFailure("tables/a.pssql", "ALTER TABLE a ...", "55P03", "canceling statement due to lock timeout");

    @Test
    void onlyALockNotAvailableFailureIsRetriedAndOnlyWithinTheAttempts() {
        LockRetry retry = new LockRetry(3, Duration.ofMillis(500));
        assertThat(retry.retries(LOCK, 1)).isTrue();
        assertThat(retry.retries(LOCK, 2)).isTrue();
        assertThat(retry.retries(LOCK, 3)).isFalse();
        assertThat(retry.retries(new DeployFailure(null, null, "57014", "canceling statement due to statement timeout"), 1)).isFalse();
        assertThat(retry.retries(new DeployFailure(null, null, null, "internal error"), 1)).isFalse();
        assertThat(retry.retries(null, 1)).isFalse();
        assertThat(LockRetry.NONE.retries(LOCK, 1)).isFalse();
    }

    @Test
    void theBackoffDoublesWithJitterOfAQuarterEitherWay() {
        LockRetry retry = new LockRetry(4, Duration.ofMillis(500));
        RandomGenerator lowest = fixed(0.0);
        RandomGenerator highest = fixed(Math.nextDown(1.0));
        assertThat(retry.backoffAfter(1, lowest)).isEqualTo(Duration.ofMillis(375));
        assertThat(retry.backoffAfter(2, lowest)).isEqualTo(Duration.ofMillis(750));
        assertThat(retry.backoffAfter(3, lowest)).isEqualTo(Duration.ofMillis(1500));
        assertThat(retry.backoffAfter(1, highest)).isEqualTo(Duration.ofMillis(625));
        assertThat(retry.backoffAfter(3, highest)).isEqualTo(Duration.ofMillis(2500));
        assertThat(retry.backoffAfter(1, fixed(0.5))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> new LockRetry(0, Duration.ofMillis(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LockRetry(2, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LockRetry(2, null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }
}
