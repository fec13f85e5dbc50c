package org.stonescriptdb.gateway.session;

import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

import java.util.HashMap;
import java.util.Map;

/**
 * One client's named prepared statements, each holding its gateway-wide entry in the {@link StatementRegistry}, and
 * bounded: at most {@code MAX_CLIENT_STATEMENTS} of them, with at most {@code MAX_CLIENT_STATEMENT_BYTES} of text
 * together. A client over a bound is refused (53200), and the registry never holds more than its clients do. Guarded
 * by its flow's lock; {@link #clear} when the client goes.
 */
final class ClientStatements {

    private final StatementRegistry registry;
    private final int maxCount;
    private final long maxBytes;
    private final Map<String, ClientStatement> byName = new HashMap<>();
    private long bytes;

    ClientStatements(StatementRegistry registry, int maxCount, long maxBytes) {
        this.registry = registry;
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    boolean contains(String name) {
        return byName.containsKey(name);
    }

    ClientStatement get(String name) {
        return byName.get(name);
    }

    /** Why one more statement of this text would exceed this client's bounds, or null if it fits. */
    String refusal(byte[] parseTail) {
        if (byName.size() >= maxCount) {
            return "too many prepared statements on this connection: it holds " + byName.size() + " (MAX_CLIENT_STATEMENTS = "
                    + maxCount + "); deallocate some first";
        }
        if (bytes + parseTail.length > maxBytes) {
            return "out of memory for prepared statements on this connection: their text would take " + (bytes + parseTail.length)
                    + " bytes (MAX_CLIENT_STATEMENT_BYTES = " + maxBytes + "); deallocate some first";
        }
        return null;
    }

    /** Adds a statement under a name not in use; the caller checked {@link #refusal} first. */
    ClientStatement add(String name, byte[] parseTail, SessionStateEffect.ResetSettings resets) {
        StatementDef def = registry.acquire(parseTail);
        ClientStatement statement = new ClientStatement(def, def.generation(), resets);
        ClientStatement previous = byName.put(name, statement);
        if (previous != null) drop(previous);
        bytes += parseTail.length;
        return statement;
    }

    /** Records the generation the client has now seen of a statement it holds (same gateway statement). */
    void seen(String name, ClientStatement statement) {
        byName.replace(name, statement);
    }

    ClientStatement remove(String name) {
        ClientStatement removed = byName.remove(name);
        if (removed != null) drop(removed);
        return removed;
    }

    /** The client's statements as they are now, by name (a copy). */
    Map<String, ClientStatement> snapshot() {
        return new HashMap<>(byName);
    }

    /** Removes those of {@code held} that the client still holds as they were (not closed and prepared again since). */
    void removeAll(Map<String, ClientStatement> held) {
        held.forEach((name, statement) -> {
            if (byName.get(name) == statement) remove(name);
        });
    }

    void clear() {
        byName.values().forEach(this::drop);
        byName.clear();
    }

    int size() {
        return byName.size();
    }

    private void drop(ClientStatement statement) {
        bytes -= statement.def().parseTail().length;
        registry.release(statement.def());
    }
}
