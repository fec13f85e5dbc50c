package org.stonescriptdb.gateway.session;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a transaction-pooled client stands with its backend. One state, changed in one place
 * ({@link BackendLease}'s {@code moveTo}), instead of a flag per aspect:
 *
 * <pre>
 *   IDLE ──first message──▶ ACQUIRING ──backend, settings differ──▶ PREPARING ──synced──▶ ATTACHED
 *     ▲                        │  └──────backend (in line, or reset pipelined)──────────────▲  │
 *     │◀── failed, cancelled ──┘                                                          │  │
 *     │◀──────────────── transaction over: given back; backend lost; reset failed ────────┼──┤
 *     │                                                                                   │  ▼
 *     └◀──────── window over, backend lost ─────── LINGERING ◀── transaction over, kept ───┘
 *                                                    └──── next message ────▶ ATTACHED
 *   any ──client gone──▶ CLOSED
 * </pre>
 */
enum Lease {
    /** No backend and none asked for: the client is between transactions. */
    IDLE,
    /** A backend was asked of the pool; the client's messages wait. */
    ACQUIRING,
    /** A backend is attached but is being brought in line with the client's settings first; messages still wait. */
    PREPARING,
    /** The backend serves the client. */
    ATTACHED,
    /** The transaction is over but the client keeps its backend for a short window ({@link BackendLinger}). */
    LINGERING,
    /** The client is gone; nothing more happens. */
    CLOSED;

    private Set<Lease> next;

    static {
        IDLE.next = EnumSet.of(ACQUIRING, CLOSED);
        ACQUIRING.next = EnumSet.of(IDLE, PREPARING, ATTACHED, CLOSED);
        PREPARING.next = EnumSet.of(IDLE, ATTACHED, CLOSED);
        ATTACHED.next = EnumSet.of(IDLE, LINGERING, CLOSED);
        LINGERING.next = EnumSet.of(IDLE, ATTACHED, CLOSED);
        CLOSED.next = EnumSet.noneOf(Lease.class);
    }

    boolean mayMoveTo(Lease to) {
        return next.contains(to);
    }
}
