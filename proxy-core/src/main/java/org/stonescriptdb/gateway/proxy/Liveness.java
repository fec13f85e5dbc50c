package org.stonescriptdb.gateway.proxy;

import java.util.List;

/**
 * Whether the proxy can accept and serve clients right now, and if not, why: one line per reason (a loop that has
 * stopped or not run for seconds, a listener that is closed, a stop under way).
 */
public record Liveness(List<String> problems) {

    public static final Liveness SERVING = new Liveness(List.of());

    public Liveness {
        problems = List.copyOf(problems);
    }

    public boolean serving() {
        return problems.isEmpty();
    }
}
