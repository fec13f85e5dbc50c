package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendStatements;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.FrontendMessageFormat;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client's half of transaction pooling: each client message on its way to the attached backend. Named prepared
 * statements are renamed to the gateway's statements (prepared first on a backend that lacks them, answered by the
 * gateway where the backend needs nothing), statements the gateway can answer alone are answered, session effects
 * of SQL are noted (pinning, DISCARD ALL, RESET), and each message leaves the reply it expects in the
 * {@link ReplyQueue}. Runs under the flow's lock.
 */
final class ClientRequests {

    private static final Logger LOG = Logger.getLogger(ClientRequests.class.getName());
    /** Pinning, which a client can make happen over and over, is logged at most once a minute. */
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, java.time.Duration.ofMinutes(1));
    static final String CACHED_PLAN_CHANGED = "cached plan must not change result type";

    private final Channel client;
    private final ByteBufAllocator alloc;
    /** The client's database: a statement accepted there may be answered without a backend. */
    private final String database;
    private final ClientParameters parameters;
    private final StatementRegistry registry;
    private final ProxyCounters counters;
    private final ClientStatements statements;
    private final ReplyQueue expected;
    private final BatchState batch;
    /** The attached backend; only read while one is attached. */
    private final Supplier<BackendConnection> backend;

    ClientRequests(ClientSession session, ClientStatements statements, ReplyQueue expected, BatchState batch,
                   Supplier<BackendConnection> backend) {
        this(session.client(), session.database(), session.parameters(), session.services().statements(),
                session.services().counters(), statements, expected, batch, backend);
    }

    /** The parts of a client session the requests need, given one by one (the unit tests have no session). */
    ClientRequests(Channel client, String database, ClientParameters parameters, StatementRegistry registry,
                   ProxyCounters counters, ClientStatements statements, ReplyQueue expected, BatchState batch,
                   Supplier<BackendConnection> backend) {
        this.client = client;
        this.alloc = client.alloc();
        this.database = database;
        this.parameters = parameters;
        this.registry = registry;
        this.counters = counters;
        this.statements = statements;
        this.expected = expected;
        this.batch = batch;
        this.backend = backend;
    }

    /**
     * Between transactions some messages need no backend: preparing a statement already accepted on this
     * database, closing a statement, Sync and Flush. Answering them here keeps a client that prepares
     * statements one blocking call at a time (pgbench -M prepared, libpq's PQprepare) from waiting for a backend
     * that its own other connections hold — a deadlock when all backends are in transactions.
     */
    boolean answeredWithoutBackend(byte type, ByteBuf message) {
        // Only what may be answered here is checked here (a Query or an unnamed Parse, the first message of most
        // transactions, is checked once, in process); a malformed one goes to a backend, which refuses it.
        if (!mayAnswerWithoutBackend(type, message) || FrontendMessageFormat.problem(type, message) != null) return false;
        switch (type) {
            case FrontendType.PARSE -> {
                FrontendMessages.Parse parse = FrontendMessages.parse(message);
                if (statements.contains(parse.name())) return false;
                StatementDef def = registry.lookup(parse.tail());
                if (def == null || !def.acceptedIn(database) || statements.refusal(parse.tail()) != null
                        || !(classify(parse.query()) instanceof SessionStateEffect.None)) {
                    return false;
                }
                statements.add(parse.name(), parse.tail(), null);
                client.write(FrontendMessages.parseComplete(alloc), client.voidPromise());
            }
            case FrontendType.CLOSE -> {
                if (FrontendMessages.target(message) == 'S') statements.remove(FrontendMessages.targetName(message));
                // A portal does not outlive its transaction, and closing a missing one is no error either.
                client.write(FrontendMessages.closeComplete(alloc), client.voidPromise());
            }
            case FrontendType.SYNC -> client.write(ServerMessages.readyForQuery(alloc, (byte) 'I'), client.voidPromise());
            case FrontendType.FLUSH -> { }
            default -> {
                return false;
            }
        }
        message.release();
        return true;
    }

    private static boolean mayAnswerWithoutBackend(byte type, ByteBuf message) {
        return switch (type) {
            case FrontendType.PARSE -> message.readableBytes() > 5 && message.getByte(message.readerIndex() + 5) != 0; // named
            case FrontendType.CLOSE, FrontendType.SYNC, FrontendType.FLUSH -> true;
            default -> false;
        };
    }

    /** Handles one whole client message with a ready backend attached. */
    void process(byte type, ByteBuf message) {
        if (batch.skippingUntilSync && type != FrontendType.SYNC) {
            message.release(); // the server would ignore it too
            return;
        }
        switch (type) {
            // Sync ends the implicit transaction; so does a simple Query or FunctionCall, which the server commits with it.
            case FrontendType.SYNC, FrontendType.QUERY, FrontendType.FUNCTION_CALL -> batch.unsynced = false;
            case FrontendType.PARSE, FrontendType.BIND, FrontendType.DESCRIBE, FrontendType.CLOSE, FrontendType.EXECUTE -> batch.unsynced = true;
            default -> { } // Flush and COPY messages start nothing
        }
        String problem = FrontendMessageFormat.problem(type, message);
        if (problem != null) {
            refusedByBackend(type, message, problem);
            return;
        }
        switch (type) {
            case FrontendType.PARSE -> parse(message);
            case FrontendType.BIND -> bind(message);
            case FrontendType.DESCRIBE -> describe(message);
            case FrontendType.CLOSE -> close(message);
            case FrontendType.QUERY -> query(message);
            case FrontendType.EXECUTE -> {
                expect(Expected.of(Kind.EXECUTE));
                send(message);
            }
            case FrontendType.SYNC -> {
                batch.skippingUntilSync = false;
                expect(Expected.of(Kind.SYNC));
                send(message);
                if (batch.restoreAtSync != null) {
                    restoreSettings(batch.restoreAtSync);
                    batch.restoreAtSync = null;
                }
            }
            case FrontendType.FUNCTION_CALL -> {
                expect(Expected.of(Kind.QUERY));
                send(message);
            }
            default -> send(message); // Flush, CopyData/Done/Fail, or something the server will reject itself
        }
    }

    /**
     * A malformed message goes to the backend exactly as the client sent it, never read or rewritten by the gateway: the
     * server refuses it before acting on any of it (ERROR 08P01, which also fails an open transaction, and in an
     * extended batch skips the rest up to Sync), so the client gets the server's own answer and the backend stays fit.
     */
    private void refusedByBackend(byte type, ByteBuf message, String problem) {
        LOG.fine(() -> "client " + client.remoteAddress() + " sent a malformed '" + (char) type + "' message: " + problem);
        switch (type) {
            case FrontendType.QUERY -> expect(Expected.of(Kind.QUERY));
            case FrontendType.SYNC -> {
                batch.skippingUntilSync = false;
                expect(Expected.of(Kind.SYNC));
            }
            default -> expect(Expected.of(Kind.REFUSED));
        }
        send(message);
    }

    private void parse(ByteBuf message) {
        int nameAt = message.readerIndex() + 5;
        int queryAt = FrontendMessages.terminator(message, nameAt) + 1;
        // Classified on the bytes in place: the unnamed statement with no session effect (every Parse of pgbench
        // -M extended) is passed on without being decoded. A query without its NUL is left for the server to reject.
        ByteChars query = new ByteChars(message, queryAt, FrontendMessages.stringEnd(message, queryAt));
        SessionStateEffect effect = classify(query);
        if (effect instanceof SessionStateEffect.Deallocate d && d.name() != null && statements.contains(d.name())
                && SessionStateClassifier.statementCount(query.toString()) == 1) {
            deallocateExtended(FrontendMessages.parse(message), message, d.name());
            return;
        }
        noteSessionEffects(effect);
        restoreAfterSync(SessionStateEffect.resets(effect));
        if (queryAt == nameAt + 1) { // the unnamed statement
            expect(Expected.parse(Kind.PARSE, null, 0));
            send(message);
            return;
        }
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
        StatementDef def = statements.add(parse.name(), parse.tail(), SessionStateEffect.resets(effect)).def();
        if (backend.get().statements().generation(def.name()) == def.generation()) {
            expect(Expected.synthetic(FrontendMessages.parseComplete(alloc)));
        } else {
            prepareOnBackend(def, Kind.PARSE);
        }
    }

    /**
     * {@code DEALLOCATE name} sent with the extended protocol, for one of the client's statements: the backend knows
     * the statement by its gateway name, so that is what it deallocates (prepared first if this backend lacks it,
     * so the reply — CommandComplete "DEALLOCATE" — is exactly the server's). Other clients' use is unaffected:
     * the next one re-prepares it here.
     */
    private void deallocateExtended(FrontendMessages.Parse parse, ByteBuf message, String clientName) {
        message.release();
        ClientStatement target = statements.remove(clientName);
        ensurePrepared(target.def());
        byte[] query = ("DEALLOCATE " + quoteIdentifier(target.def().name())).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] tail = new byte[query.length + 3]; // query, NUL, int16 zero parameter types
        System.arraycopy(query, 0, tail, 0, query.length);
        backend.get().statements().stale(target.def().name());
        expect(Expected.parse(Kind.PARSE, null, 0));
        send(FrontendMessages.encodeParse(alloc, parse.name(), tail));
    }

    private static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Answers the current message with an error, as the server would, and ignores the batch up to its Sync. */
    private void failInBatch(String code, String text) {
        expect(Expected.synthetic(ServerMessages.error(alloc, "ERROR", code, text)));
        batch.skippingUntilSync = true;
    }

    private void bind(ByteBuf message) {
        String name = FrontendMessages.bindStatement(message);
        ClientStatement statement = name.isEmpty() ? null : statements.get(name);
        if (statement == null) {
            if (!name.isEmpty() && refuseUnknownStatement(name, message)) return;
            // The unnamed statement, or a pinned client's statement of its own (SQL PREPARE): the server answers.
            expect(Expected.of(Kind.BIND));
            send(message);
            return;
        }
        StatementDef def = statement.def();
        if (statement.generation() != def.generation()) {
            // The statement's result type changed (DDL) since this client prepared it: the client learns it the way
            // the server would tell it, once; its cached row description is stale, so a quiet re-prepare would not do.
            message.release();
            statements.seen(name, statement.current());
            expect(Expected.synthetic(ServerMessages.error(alloc, new ErrorFields("ERROR", SqlState.FEATURE_NOT_SUPPORTED,
                    CACHED_PLAN_CHANGED, null), "RevalidateCachedQuery")));
            batch.skippingUntilSync = true;
            return;
        }
        ensurePrepared(def);
        restoreAfterSync(statement.resets());
        batch.lastBound = statement;
        batch.lastBoundName = name;
        expect(Expected.renamedBind(def, name));
        send(FrontendMessages.renameBind(alloc, message, def.name()));
    }

    private void describe(ByteBuf message) {
        StatementDef def = namedStatement(message);
        if (def == null && FrontendMessages.target(message) == 'S' && !FrontendMessages.targetName(message).isEmpty()
                && refuseUnknownStatement(FrontendMessages.targetName(message), message)) {
            return;
        }
        if (def == null) {
            expect(Expected.of(Kind.DESCRIBE));
            send(message);
            return;
        }
        message.release();
        ensurePrepared(def);
        expect(Expected.of(Kind.DESCRIBE));
        send(FrontendMessages.encodeTarget(alloc, FrontendType.DESCRIBE, (byte) 'S', def.name()));
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

    private void close(ByteBuf message) {
        if (FrontendMessages.target(message) == 'S' && !FrontendMessages.targetName(message).isEmpty()) {
            String name = FrontendMessages.targetName(message);
            if (statements.remove(name) != null || batch.pinReason == null) {
                // Ours to answer: the gateway statement stays prepared for whoever uses it next.
                message.release();
                expect(Expected.synthetic(FrontendMessages.closeComplete(alloc)));
                return;
            }
        }
        expect(Expected.of(Kind.CLOSE));
        send(message);
    }

    private void query(ByteBuf message) {
        int sqlAt = message.readerIndex() + 5;
        ByteChars sql = new ByteChars(message, sqlAt, FrontendMessages.terminator(message, sqlAt));
        SessionStateEffect effect = classify(sql);
        if (effect instanceof SessionStateEffect.Deallocate d && SessionStateClassifier.statementCount(sql.toString()) == 1
                && (d.name() == null ? batch.pinReason == null : statements.contains(d.name()))) {
            // DEALLOCATE of protocol-level statements: they live in the gateway's map, not on this backend.
            // (A pinned client's DEALLOCATE ALL also concerns its SQL-level statements: that one goes to the server.)
            message.release();
            if (d.name() == null) statements.clear();
            else statements.remove(d.name());
            expect(Expected.synthetic(FrontendMessages.commandComplete(alloc, d.name() == null ? "DEALLOCATE ALL" : "DEALLOCATE")));
            expect(Expected.synthetic(ServerMessages.readyForQuery(alloc, backend.get().transactionStatus())));
            return;
        }
        if (effect instanceof SessionStateEffect.Deallocate d && d.name() != null && StatementRegistry.isGatewayName(d.name())
                && !statements.contains(d.name())) {
            // Plain SQL naming a gateway statement: refused here. (Other paths reach the server; a statement lost that
            // way is prepared again there before its next use.)
            message.release();
            expect(Expected.synthetic(ServerMessages.error(alloc, "ERROR", SqlState.INVALID_SQL_STATEMENT_NAME,
                    "prepared statement \"" + d.name() + "\" does not exist")));
            expect(Expected.synthetic(ServerMessages.readyForQuery(alloc, backend.get().transactionStatus())));
            return;
        }
        noteSessionEffects(effect);
        expect(Expected.of(Kind.QUERY));
        send(message);
        SessionStateEffect.ResetSettings resets = SessionStateEffect.resets(effect);
        if (resets != null) restoreSettings(resets);
    }

    /** Puts the client's settings back after the batch's Sync: {@code resets} (may be null) are among its statements. */
    private void restoreAfterSync(SessionStateEffect.ResetSettings resets) {
        if (resets != null) batch.restoreAtSync = resets.and(batch.restoreAtSync);
    }

    /**
     * Right behind a client's RESET (or DISCARD ALL, or SET … TO DEFAULT): the backend's defaults are the gateway's
     * startup values, so the client's own — its startup packet's, as it saw them at login — are put back, only where
     * the RESET took effect. The client's ReadyForQuery waits for this, so it sees the ParameterStatus of its own
     * values before it can send anything else, as on a direct connection.
     */
    private void restoreSettings(SessionStateEffect.ResetSettings resets) {
        Map<String, String> values = parameters.restoreValues(resets);
        if (values.isEmpty()) return;
        expect(Expected.of(Kind.RESTORE));
        send(ClientMessages.restoreSettings(alloc, values));
    }

    private SessionStateEffect classify(CharSequence sql) {
        return SessionStateClassifier.classify(sql, parameters.trackedNames(), parameters.unreportedNames());
    }

    /** Session effects of SQL that goes to the server. */
    private void noteSessionEffects(SessionStateEffect effect) {
        switch (effect) {
            case SessionStateEffect.Pin p -> pin(p.reason(), p.resettable());
            case SessionStateEffect.DiscardAll d -> {
                statements.clear();
                // Whether or not it runs, nothing of ours may be assumed prepared here any more: each statement is
                // closed (harmless if already gone) before it is prepared again.
                backend.get().statements().staleAll();
                batch.discardAtReady = true;
            }
            case SessionStateEffect.ResetSettings r -> batch.resetSettingsAtReady |= r.all();
            case SessionStateEffect.Both b -> {
                noteSessionEffects(b.first());
                noteSessionEffects(b.second());
            }
            case SessionStateEffect.Deallocate d -> {
                if (d.name() == null) {
                    statements.clear();
                    backend.get().statements().staleAll();
                }
            }
            case SessionStateEffect.None n -> { }
        }
    }

    private void pin(String reason, boolean resettable) {
        batch.pinResettable &= resettable;
        if (batch.pinReason != null) return;
        batch.pinReason = reason;
        counters.pinned();
        THROTTLED.log(Level.FINE, "pinned", "client " + client.remoteAddress() + " on " + database
                + " keeps its backend until it disconnects: " + reason);
    }

    private StatementDef namedStatement(ByteBuf describeOrClose) {
        if (FrontendMessages.target(describeOrClose) != 'S') return null;
        String name = FrontendMessages.targetName(describeOrClose);
        ClientStatement statement = name.isEmpty() ? null : statements.get(name);
        return statement == null ? null : statement.def();
    }

    /** Makes sure the attached backend has {@code def} at its current generation, adding a hidden Parse if not. */
    private void ensurePrepared(StatementDef def) {
        if (backend.get().statements().generation(def.name()) != def.generation()) prepareOnBackend(def, Kind.PARSE_HIDDEN);
    }

    private void prepareOnBackend(StatementDef def, Kind kind) {
        BackendStatements prepared = backend.get().statements();
        if (prepared.generation(def.name()) >= 0) prepared.stale(def.name());
        if (prepared.mustClose(def.name())) {
            prepared.closed(def.name());
            expect(Expected.closeHidden(def.name()));
            send(FrontendMessages.encodeTarget(alloc, FrontendType.CLOSE, (byte) 'S', def.name()));
        }
        int generation = def.generation();
        // Counted as prepared at once, so a Bind later in this batch does not parse it again.
        prepared.prepared(def.name(), generation);
        expect(Expected.parse(kind, def, generation));
        send(FrontendMessages.encodeParse(alloc, def.name(), def.parseTail()));
    }

    private void expect(Expected e) {
        expected.add(e);
    }

    private void send(ByteBuf message) {
        BackendConnection b = backend.get();
        b.channel().write(message, b.channel().voidPromise());
    }
}
