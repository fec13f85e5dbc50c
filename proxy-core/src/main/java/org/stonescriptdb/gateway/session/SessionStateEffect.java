package org.stonescriptdb.gateway.session;

import java.util.Set;
import java.util.TreeSet;

/** What a piece of client SQL does to session state the gateway must know about. */
sealed interface SessionStateEffect {

    /** Nothing beyond what ParameterStatus reports and the transaction itself. */
    record None() implements SessionStateEffect {
    }

    /** Session state the gateway cannot replay on another backend: the client keeps this backend. */
    record Pin(String reason, boolean resettable) implements SessionStateEffect {
    }

    /** {@code DEALLOCATE name} or, with a null name, {@code DEALLOCATE ALL}. */
    record Deallocate(String name) implements SessionStateEffect {
    }

    /** {@code DISCARD ALL}: prepared statements and settings of the session are gone. */
    record DiscardAll() implements SessionStateEffect {
    }

    /**
     * {@code RESET name}, {@code RESET ALL}, {@code SET name TO DEFAULT}: settings return to the backend's defaults,
     * which are the gateway's startup values, not the client's — the gateway puts the client's back.
     *
     * @param names lower-case names; ignored when {@code all}
     */
    record ResetSettings(boolean all, Set<String> names) implements SessionStateEffect {
        static ResetSettings of(String name) {
            return new ResetSettings(false, Set.of(name));
        }

        static final ResetSettings ALL = new ResetSettings(true, Set.of());

        /** Both resets: for a query with several statements, or a batch with several Executes. */
        ResetSettings and(ResetSettings other) {
            if (other == null || all) return this;
            if (other.all) return other;
            Set<String> both = new TreeSet<>(names);
            both.addAll(other.names);
            return new ResetSettings(false, Set.copyOf(both));
        }
    }

    /** Two effects of one query with several statements, in order. */
    record Both(SessionStateEffect first, SessionStateEffect second) implements SessionStateEffect {
    }

    None NONE = new None();

    /** The effect of {@code first} followed by {@code second}. */
    static SessionStateEffect combine(SessionStateEffect first, SessionStateEffect second) {
        if (first instanceof None) return second;
        if (second instanceof None) return first;
        if (first instanceof ResetSettings a && second instanceof ResetSettings b) return a.and(b);
        return new Both(first, second);
    }

    /** The settings {@code effect} returns to the backend's defaults (DISCARD ALL: all of them); null if none. */
    static ResetSettings resets(SessionStateEffect effect) {
        return switch (effect) {
            case ResetSettings r -> r;
            case DiscardAll d -> ResetSettings.ALL;
            case Both b -> {
                ResetSettings first = resets(b.first());
                yield first == null ? resets(b.second()) : first.and(resets(b.second()));
            }
            default -> null;
        };
    }
}
