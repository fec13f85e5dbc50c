package org.stonescriptdb.gateway.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Transactions per platform: one counter per platform, and no more than the label limit however many there are. */
class PlatformTransactionsTest {

    @Test
    void eachPlatformCountsItsOwnAndOneSessionsCounterIsShared() {
        ProxyCounters counters = new ProxyCounters();
        counters.platformTransactions("acme_main").increment();
        counters.platformTransactions("acme_riverside").add(2);
        counters.platformTransactions("dental_main").increment();
        assertThat(counters.platformTransactions()).containsEntry("acme", 3L).containsEntry("dental", 1L).hasSize(2);
        assertThat(counters.platformTransactions("acme_x")).isSameAs(counters.platformTransactions("acme_main"));
    }

    @Test
    void platformsBeyondTheLimitShareTheOtherSeries() {
        ProxyCounters counters = new ProxyCounters();
        for (int i = 0; i < ProxyCounters.MAX_PLATFORM_LABELS + 300; i++) counters.platformTransactions("p" + i + "_main").increment();
        assertThat(counters.platformTransactions()).hasSizeLessThanOrEqualTo(ProxyCounters.MAX_PLATFORM_LABELS + 1)
                .containsKey(ProxyCounters.OTHER);
        assertThat(counters.platformTransactions().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(ProxyCounters.MAX_PLATFORM_LABELS + 300);
    }
}
