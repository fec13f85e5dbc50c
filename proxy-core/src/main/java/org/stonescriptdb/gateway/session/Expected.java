package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

/**
 * One reply the transaction flow waits for, in the order the backend will send them. Kinds marked hidden are
 * the gateway's own messages (their replies are swallowed); {@link Kind#SYNTHETIC} is a reply the gateway
 * gives itself, sent to the client once everything before it has been answered.
 */
final class Expected {

    enum Kind {
        /** ParseComplete for a client's Parse; {@code statement} is null for the unnamed statement. */
        PARSE,
        /** ParseComplete for a Parse the gateway added (the backend lacked a client's statement): swallowed. */
        PARSE_HIDDEN,
        BIND,
        /** ParameterDescription/RowDescription/NoData for a Describe. */
        DESCRIBE,
        /** Rows and a CommandComplete, PortalSuspended or EmptyQueryResponse for an Execute. */
        EXECUTE,
        /** CloseComplete for a client's Close of a portal (or the unnamed statement). */
        CLOSE,
        /** CloseComplete for a stale statement the gateway closed: swallowed. */
        CLOSE_HIDDEN,
        /** The ErrorResponse to a malformed extended-protocol message the backend is given to refuse. */
        REFUSED,
        /** ReadyForQuery for a Sync. */
        SYNC,
        /** Everything up to ReadyForQuery for a simple Query or FunctionCall. */
        QUERY,
        /**
         * No reply: the client's CopyDone or CopyFail, sent before the server said it was copying in. It marks where a
         * copy-in the Execute or Query before it may start ends in the client's stream ({@link ReplyQueue#copyInStarted}).
         */
        COPY_END,
        /**
         * Everything up to the ReadyForQuery of the gateway's own batch that puts a client's settings back after a
         * RESET: swallowed but for ParameterStatus; {@code reply} holds the client's ReadyForQuery meanwhile.
         */
        RESTORE,
        /** A reply the gateway makes itself (ParseComplete of a statement the backend already has, CloseComplete…). */
        SYNTHETIC,
        /**
         * Everything the backend answers to a pipelined hand-over ({@code BackendHandOver#encodePipelined}) up to its
         * ReadyForQuery: swallowed; {@code failed} if any part failed.
         */
        HANDOVER,
        /** ParameterDescription, RowDescription and CloseComplete of the reset check: swallowed; an error fails closed. */
        HANDOVER_CHECK;

        boolean special() {
            return this == PARSE_HIDDEN || this == CLOSE_HIDDEN || this == RESTORE || this == SYNTHETIC || this == HANDOVER
                    || this == HANDOVER_CHECK;
        }
    }

    final Kind kind;
    final StatementDef statement;
    final int generation;
    final String name;
    ByteBuf reply;
    /** For QUERY, RESTORE and HANDOVER: an ErrorResponse arrived. */
    boolean failed;

    private Expected(Kind kind, StatementDef statement, int generation, String name, ByteBuf reply) {
        this.kind = kind;
        this.statement = statement;
        this.generation = generation;
        this.name = name;
        this.reply = reply;
    }

    /**
     * One shared entry per kind that carries nothing of its own (no statement, reply or failure): several are queued
     * for every extended-protocol batch, and they need not be allocated each time. QUERY, RESTORE and HANDOVER record
     * a failure, so theirs are always new.
     */
    private static final Expected[] SHARED = new Expected[Kind.values().length];

    static {
        for (Kind k : new Kind[] {Kind.PARSE, Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE, Kind.CLOSE, Kind.REFUSED, Kind.SYNC,
                Kind.COPY_END, Kind.HANDOVER_CHECK}) {
            SHARED[k.ordinal()] = new Expected(k, null, 0, null, null);
        }
    }

    static Expected of(Kind kind) {
        Expected shared = SHARED[kind.ordinal()];
        return shared != null ? shared : new Expected(kind, null, 0, null, null);
    }

    /** Appended to a statement name to make one no statement has ({@link #refusedStatementName}). */
    static final String REFUSED_NAME_SUFFIX = "-refused";

    /**
     * A simple query the server is to refuse for a statement name it must not touch (a gateway statement's): sent
     * under that name with {@link #REFUSED_NAME_SUFFIX}, its error names {@code clientName} again on its way back.
     */
    static Expected refusedStatementName(String clientName) {
        return new Expected(Kind.QUERY, null, 0, clientName, null);
    }

    static Expected parse(Kind kind, StatementDef statement, int generation) {
        if (statement == null) return of(kind);
        return new Expected(kind, statement, generation, null, null);
    }

    /**
     * The reply to a Bind or Describe of a client's named statement, sent to the backend under the gateway's name: an
     * error about it (a result type that changed, a wrong parameter count) is about this statement, at the generation
     * the backend had prepared.
     */
    static Expected renamed(Kind kind, StatementDef statement, String clientName) {
        return new Expected(kind, statement, statement.generation(), clientName, null);
    }

    static Expected closeHidden(String name) {
        return new Expected(Kind.CLOSE_HIDDEN, null, 0, name, null);
    }

    static Expected handOver() {
        return new Expected(Kind.HANDOVER, null, 0, null, null);
    }

    static Expected synthetic(ByteBuf reply) {
        return new Expected(Kind.SYNTHETIC, null, 0, null, reply);
    }

    /** Frees what the entry holds when it is dropped unsent. */
    void discard() {
        if (reply != null) {
            reply.release();
            reply = null;
        }
    }
}
