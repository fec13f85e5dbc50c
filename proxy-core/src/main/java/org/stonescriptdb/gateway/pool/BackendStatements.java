package org.stonescriptdb.gateway.pool;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway-named statements prepared on one backend connection, least recently used first, with the
 * generation each was prepared at (a statement whose generation moved on must be re-prepared).
 */
public final class BackendStatements {

    /** Enough for the working set of typical applications; beyond it the least recently used are closed. */
    public static final int DEFAULT_CAPACITY = 512;

    private final LinkedHashMap<String, Integer> prepared = new LinkedHashMap<>(64, 0.75f, true);
    /** Statements known stale here: they must be closed before they are prepared again. */
    private final List<String> toClose = new ArrayList<>();

    /** The generation {@code name} was prepared at here, or -1 if it is not prepared. Counts as a use. */
    public int generation(String name) {
        Integer g = prepared.get(name);
        return g == null ? -1 : g;
    }

    public void prepared(String name, int generation) {
        prepared.put(name, generation);
    }

    /** Forgets a statement whose Parse failed or was skipped: it does not exist here. */
    public void forget(String name) {
        prepared.remove(name);
    }

    /** Forgets a statement that is stale here; it will be closed before being prepared again. */
    public void stale(String name) {
        if (prepared.remove(name) != null) toClose.add(name);
    }

    /** A DEALLOCATE ALL or DISCARD ALL may have dropped them all: close each before preparing it again. */
    public void staleAll() {
        toClose.addAll(prepared.keySet());
        prepared.clear();
    }

    /**
     * A Close the gateway sent was skipped by the server (an error earlier in its batch): the statement is still there,
     * whether or not it was counted as prepared, and is closed before it is prepared again.
     */
    public void closeSkipped(String name) {
        prepared.remove(name);
        if (!toClose.contains(name)) toClose.add(name);
    }

    /** Takes the statements to close: stale ones and, beyond {@code capacity}, the least recently used. */
    public List<String> takeToClose(int capacity) {
        List<String> out = new ArrayList<>(toClose);
        toClose.clear();
        out.addAll(evictBeyond(capacity));
        return out;
    }

    /**
     * Forgets the least recently used statements beyond {@code capacity}, for the caller to close on the server now;
     * returns their names (none while within it).
     */
    public List<String> evictBeyond(int capacity) {
        if (prepared.size() <= capacity) return List.of();
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = prepared.keySet().iterator(); prepared.size() > capacity && it.hasNext(); ) {
            out.add(it.next());
            it.remove();
        }
        return out;
    }

    /** Whether {@code name} was marked stale and not yet closed. */
    public boolean mustClose(String name) {
        return toClose.contains(name);
    }

    public void closed(String name) {
        toClose.remove(name);
    }

    public void clear() {
        prepared.clear();
        toClose.clear();
    }

    public int size() {
        return prepared.size();
    }

    public Map<String, Integer> snapshot() {
        return Map.copyOf(prepared);
    }
}
