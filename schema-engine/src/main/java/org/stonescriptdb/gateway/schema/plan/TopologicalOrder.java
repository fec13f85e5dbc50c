package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Orders names so each comes after everything it depends on (Kahn's algorithm). Ties break alphabetically
 * so the order is the same on every run. Dependencies on names outside the set are ignored: they already
 * exist or are someone else's business.
 */
public final class TopologicalOrder {

    private TopologicalOrder() {
    }

    /**
     * @param dependsOn name → names it needs first
     * @param what      e.g. "foreign-key cycle between tables", the start of the error
     * @param remedy    what the author should do about a cycle
     */
    public static List<String> sort(Map<String, Set<String>> dependsOn, String what, String remedy) {
        Map<String, Set<String>> edges = new TreeMap<>();
        for (var e : dependsOn.entrySet()) {
            Set<String> deps = new TreeSet<>(e.getValue());
            deps.retainAll(dependsOn.keySet());
            deps.remove(e.getKey());
            edges.put(e.getKey(), deps);
        }
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        edges.forEach((name, deps) -> {
            pending.put(name, deps.size());
            deps.forEach(d -> dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(name));
        });
        TreeSet<String> ready = new TreeSet<>();
        pending.forEach((name, count) -> {
            if (count == 0) ready.add(name);
        });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String next = ready.pollFirst();
            order.add(next);
            for (String d : dependents.getOrDefault(next, List.of())) {
                if (pending.merge(d, -1, Integer::sum) == 0) ready.add(d);
            }
        }
        if (order.size() < edges.size()) {
            throw new BundleException(what + ": " + describeCycle(edges, order) + "; " + remedy);
        }
        return order;
    }

    private static String describeCycle(Map<String, Set<String>> edges, List<String> ordered) {
        Set<String> left = new TreeSet<>(edges.keySet());
        ordered.forEach(left::remove);
        // Walk dependencies inside the unresolved set until a name repeats: that loop is a cycle.
        String start = left.iterator().next();
        List<String> path = new ArrayList<>();
        Set<String> onPath = new HashSet<>();
        String current = start;
        while (onPath.add(current)) {
            path.add(current);
            String from = current;
            current = edges.get(from).stream().filter(left::contains).findFirst().orElseThrow();
        }
        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(current), path.size()));
        cycle.add(current);
        return String.join(" → ", cycle);
    }
}
