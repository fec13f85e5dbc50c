package org.stonescriptdb.gateway.session;

import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

/**
 * A client's named prepared statement: the gateway statement behind it, the generation the client last saw of it
 * (a newer one means its result type changed and the client must be told once), and the settings its SQL resets.
 */
record ClientStatement(StatementDef def, int generation, SessionStateEffect.ResetSettings resets) {

    ClientStatement current() {
        return new ClientStatement(def, def.generation(), resets);
    }
}
