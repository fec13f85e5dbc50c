package org.stonescriptdb.gateway.session;

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

    /** {@code RESET ALL}: settings return to the backend's defaults. */
    record ResetAll() implements SessionStateEffect {
    }

    None NONE = new None();
}
