package org.stonescriptdb.gateway.session;

import java.util.Map;

/**
 * What the client's current batch has done on its backend, as the transaction flow's two halves — the client's
 * requests ({@link ClientRequests}) and the backend's replies ({@link TransactionFlow}) — both need it: where the
 * server is in the batch, which session effects take hold at its ReadyForQuery, and whether the client is pinned.
 * A plain holder; the flow's lock guards it.
 */
final class BatchState {

    /** After an error in an extended-protocol batch the server ignores everything up to the next Sync. */
    boolean skippingUntilSync;
    /**
     * Extended-protocol messages went to the backend since its last Sync: the server holds an implicit transaction
     * open for them, which must not pass to another client (the next Sync would commit this client's work).
     */
    boolean unsynced;
    /**
     * The server is copying in for the client (its CopyInResponse came) and the client has not ended it with CopyDone or
     * CopyFail yet: the server ignores a Sync of the client's meanwhile, and answers it no ReadyForQuery.
     */
    boolean copyingIn;
    /** A statement of the current batch reset the session (DISCARD ALL): its effects are recorded at ReadyForQuery. */
    boolean discardAtReady;
    /**
     * The client's prepared statements that a statement of the current batch drops on the server (DISCARD ALL, DEALLOCATE
     * ALL), as they were when it was sent; null if none. They go at ReadyForQuery, if it ran — refused (in a transaction
     * block, an aborted transaction) it leaves them, as on the server; those the client prepares after it stay.
     */
    Map<String, ClientStatement> droppedAtReady;
    /** A statement of the current batch reset every setting (RESET ALL). */
    boolean resetSettingsAtReady;
    /** The server reported an error in the batch: a DISCARD ALL or RESET ALL in it may not have run. */
    boolean failed;
    /**
     * Settings a statement of the current extended-protocol batch may RESET: the client's own values are put back
     * right after the batch's Sync.
     */
    SessionStateEffect.ResetSettings restoreAtSync;
    /** Why the client keeps its backend until it disconnects; null when it is not pinned. */
    String pinReason;
    /** Whether a DISCARD ALL would end the pin (SQL PREPARE, LISTEN…: yes; a temporary table's lock: no). */
    boolean pinResettable = true;

    /** A statement of the batch drops the client's statements {@code held} (as they are now) if it runs. */
    void dropAtReady(Map<String, ClientStatement> held) {
        if (droppedAtReady == null) droppedAtReady = held;
        else droppedAtReady.putAll(held);
    }

    /** Puts the client's settings back after the batch's Sync: {@code resets} (may be null) are among its statements. */
    void restoreAfterSync(SessionStateEffect.ResetSettings resets) {
        if (resets != null) restoreAtSync = resets.and(restoreAtSync);
    }

    boolean pinned() {
        return pinReason != null;
    }

    /** The batch is over (nothing outstanding at a ReadyForQuery): its effects are settled. */
    void settled() {
        discardAtReady = false;
        droppedAtReady = null;
        resetSettingsAtReady = false;
        failed = false;
    }

    /** A failed hand-over: nothing of the batch ran. */
    void abandoned() {
        restoreAtSync = null;
        settled();
    }
}
