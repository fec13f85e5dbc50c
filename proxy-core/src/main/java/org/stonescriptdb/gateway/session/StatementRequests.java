package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.stonescriptdb.gateway.pool.BackendStatements;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

/**
 * The client's named prepared statements on their way to the backend. Each client name stands for a gateway statement
 * shared by every client that prepared the same query and types ({@link StatementRegistry}); a backend that lacks it
 * gets the Parse first (its reply swallowed), one that has it gets none (the gateway answers ParseComplete), and a
 * client's Close is answered by the gateway — the statement stays for whoever uses it next. A name the client never
 * prepared is refused as the server would (26000), without asking a backend that may hold other clients' statements.
 * Runs under the flow's lock.
 */
final class StatementRequests {

    static final String CACHED_PLAN_CHANGED = "cached plan must not change result type";

    private final ByteBufAllocator alloc;
    private final ClientStatements statements;
    private final BatchState batch;
    private final BackendWire wire;

    StatementRequests(ByteBufAllocator alloc, ClientStatements statements, BatchState batch, BackendWire wire) {
        this.alloc = alloc;
        this.statements = statements;
        this.batch = batch;
        this.wire = wire;
    }

    /** A Parse of a named statement (its session effects already noted): renamed, or answered if this backend has it. */
    void parseNamed(ByteBuf message, SessionStateEffect.ResetSettings resets) {
        FrontendMessages.Parse parse = FrontendMessages.parse(message);
        message.release();
        if (statements.contains(parse.name())) {
            // As the server does: the first statement stays, this Parse fails and the batch is skipped to its Sync.
            failInBatch(SqlState.DUPLICATE_PREPARED_STATEMENT, "prepared statement \"" + parse.name() + "\" already exists");
            return;
        }
        String refusal = statements.refusal(parse.tail());
        if (refusal != null) {
            failInBatch(SqlState.OUT_OF_MEMORY, refusal);
            return;
        }
        StatementDef def = statements.add(parse.name(), parse.tail(), resets).def();
        if (wire.backend().statements().generation(def.name()) == def.generation()) {
            wire.expect(Expected.synthetic(FrontendMessages.parseComplete(alloc)));
        } else {
            prepareOnBackend(def, Kind.PARSE, parse.name());
        }
    }

    /**
     * {@code DEALLOCATE name} sent with the extended protocol, for one of the client's statements: the backend knows
     * the statement by its gateway name, so that is what it deallocates (prepared first if this backend lacks it,
     * so the reply — CommandComplete "DEALLOCATE" — is exactly the server's). Other clients' use is unaffected:
     * the next one re-prepares it here.
     */
    void deallocateExtended(FrontendMessages.Parse parse, ByteBuf message, String clientName) {
        message.release();
        ClientStatement target = statements.remove(clientName);
        ensurePrepared(target.def());
        byte[] query = ("DEALLOCATE " + quoteIdentifier(target.def().name())).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] tail = new byte[query.length + 3]; // query, NUL, int16 zero parameter types
        System.arraycopy(query, 0, tail, 0, query.length);
        wire.backend().statements().stale(target.def().name());
        wire.expect(Expected.parse(Kind.PARSE, null, 0));
        wire.send(FrontendMessages.encodeParse(alloc, parse.name(), tail));
    }

    private static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Answers the current message with an error, as the server would, and ignores the batch up to its Sync. */
    private void failInBatch(String code, String text) {
        wire.expect(Expected.synthetic(ServerMessages.error(alloc, "ERROR", code, text)));
        batch.skippingUntilSync = true;
    }

    void bind(ByteBuf message) {
        String name = FrontendMessages.bindStatement(message);
        ClientStatement statement = name.isEmpty() ? null : statements.get(name);
        if (statement == null) {
            if (!name.isEmpty() && refuseUnknownStatement(name, message)) return;
            // The unnamed statement, or a pinned client's statement of its own (SQL PREPARE): the server answers.
            wire.expect(Expected.of(Kind.BIND));
            wire.send(message);
            return;
        }
        StatementDef def = statement.def();
        if (statement.generation() != def.generation()) {
            // The statement's result type changed (DDL) since this client prepared it: the client learns it the way
            // the server would tell it, once; its cached row description is stale, so a quiet re-prepare would not do.
            message.release();
            statements.seen(name, statement.current());
            wire.expect(Expected.synthetic(ServerMessages.error(alloc, new ErrorFields("ERROR", SqlState.FEATURE_NOT_SUPPORTED,
                    CACHED_PLAN_CHANGED, null), "RevalidateCachedQuery")));
            batch.skippingUntilSync = true;
            return;
        }
        ensurePrepared(def);
        batch.restoreAfterSync(statement.resets());
        wire.expect(Expected.renamed(Kind.BIND, def, name));
        wire.send(FrontendMessages.renameBind(alloc, message, def.name()));
    }

    void describe(ByteBuf message) {
        StatementDef def = namedStatement(message);
        if (def == null && FrontendMessages.target(message) == 'S' && !FrontendMessages.targetName(message).isEmpty()
                && refuseUnknownStatement(FrontendMessages.targetName(message), message)) {
            return;
        }
        if (def == null) {
            wire.expect(Expected.of(Kind.DESCRIBE));
            wire.send(message);
            return;
        }
        String name = FrontendMessages.targetName(message);
        message.release();
        ensurePrepared(def);
        wire.expect(Expected.renamed(Kind.DESCRIBE, def, name));
        wire.send(FrontendMessages.encodeTarget(alloc, FrontendType.DESCRIBE, (byte) 'S', def.name()));
    }

    /**
     * A Bind or Describe of a statement this client never prepared is answered as the server would answer it
     * (26000) — without asking the backend, which may hold the gateway's statements for other clients, or another
     * client's. Only a pinned client may name a statement of its own SQL PREPARE, and never a gateway name.
     */
    private boolean refuseUnknownStatement(String name, ByteBuf message) {
        if (batch.pinReason != null && !StatementRegistry.isGatewayName(name)) return false;
        message.release();
        failInBatch(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + name + "\" does not exist");
        return true;
    }

    void close(ByteBuf message) {
        if (FrontendMessages.target(message) == 'S' && !FrontendMessages.targetName(message).isEmpty()) {
            String name = FrontendMessages.targetName(message);
            if (statements.remove(name) != null || batch.pinReason == null) {
                // Ours to answer: the gateway statement stays prepared for whoever uses it next.
                message.release();
                wire.expect(Expected.synthetic(FrontendMessages.closeComplete(alloc)));
                return;
            }
        }
        wire.expect(Expected.of(Kind.CLOSE));
        wire.send(message);
    }

    private StatementDef namedStatement(ByteBuf describeOrClose) {
        if (FrontendMessages.target(describeOrClose) != 'S') return null;
        String name = FrontendMessages.targetName(describeOrClose);
        ClientStatement statement = name.isEmpty() ? null : statements.get(name);
        return statement == null ? null : statement.def();
    }

    /** Makes sure the attached backend has {@code def} at its current generation, adding a hidden Parse if not. */
    private void ensurePrepared(StatementDef def) {
        if (wire.backend().statements().generation(def.name()) != def.generation()) prepareOnBackend(def, Kind.PARSE_HIDDEN, null);
    }

    private void closeOnBackend(String name) {
        wire.expect(Expected.closeHidden(name));
        wire.send(FrontendMessages.encodeTarget(alloc, FrontendType.CLOSE, (byte) 'S', name));
    }

    /** @param clientName the client's name for a Parse it sent (freed again if the server refuses it), else null */
    private void prepareOnBackend(StatementDef def, Kind kind, String clientName) {
        BackendStatements prepared = wire.backend().statements();
        if (prepared.generation(def.name()) >= 0) prepared.stale(def.name());
        if (prepared.mustClose(def.name())) {
            prepared.closed(def.name());
            closeOnBackend(def.name());
        }
        // The bound holds while a client keeps its backend (linger, pinning) too, not only at the next hand-over: the
        // least recently used make room now.
        for (String evicted : prepared.evictBeyond(BackendStatements.DEFAULT_CAPACITY - 1)) closeOnBackend(evicted);
        int generation = def.generation();
        // Counted as prepared at once, so a Bind later in this batch does not parse it again.
        prepared.prepared(def.name(), generation);
        wire.expect(clientName == null ? Expected.parse(kind, def, generation) : Expected.renamed(kind, def, clientName));
        wire.send(FrontendMessages.encodeParse(alloc, def.name(), def.parseTail()));
    }
}
