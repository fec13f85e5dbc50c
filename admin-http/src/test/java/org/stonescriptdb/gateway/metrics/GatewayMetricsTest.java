package org.stonescriptdb.gateway.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayMetricsTest {

    /** A capturing method reference, as GatewayApplication passes {@code http::refusedConnections}: made at the call. */
    private static LongSupplier supplierOf(LongAdder adder) {
        return adder::sum;
    }

    /**
     * Micrometer holds a function counter's state object weakly; the supplier of refused HTTP connections was held by
     * nothing else, so after a GC the series read 0 for good (HttpConnectionBoundsTest failed when a GC came first).
     */
    @Test
    void theRefusedHttpConnectionsSurviveAGarbageCollection() {
        GatewayMetrics metrics = new GatewayMetrics(() -> new ProxyStats(0, 0, 0, 0, 0), new ProxyCounters(), List::of);
        LongAdder refused = new LongAdder();
        metrics.httpConnections(() -> 0, supplierOf(refused));
        refused.add(2);

        System.gc();

        assertThat(metrics.scrape().lines()).contains("db_gateway_http_connections_refused_total 2.0");
    }
}
