package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.pool.BackendStatements;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.pool.PoolTimeoutException;
import org.stonescriptdb.gateway.pool.WritabilityListener;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.FrontendMessageFormat;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.MessageType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Transaction pooling. The client borrows a backend at its first message after an idle ReadyForQuery and gives
 * it back at the ReadyForQuery that answers its last outstanding Sync or Query with status {@code I}.
 *
 * <p>Named prepared statements survive the change of backend: each client name maps to a gateway-wide name
 * per distinct (query, types); a backend that lacks the statement gets the Parse first (its ParseComplete is
 * swallowed), a backend that has it gets no Parse (the client gets a ParseComplete from the gateway), and a
 * client's Close of a statement is answered by the gateway. To put such replies in the right place, the flow
 * keeps the queue of replies it expects ({@link Expected}).
 *
 * <p>Session state the gateway cannot carry to another backend pins the client to its backend until it
 * disconnects. Reported parameters are replayed instead.
 *
 * <p>Client callbacks run on the client's event loop, backend callbacks on the backend's; both take this
 * object's lock, which is held only for bookkeeping and non-blocking writes.
 */
final class TransactionFlow implements ClientFlow, BackendOwner, WritabilityListener {

    private static final Logger LOG = Logger.getLogger(TransactionFlow.class.getName());
    /** What clients can make happen over and over (pinning, a reset held up by a lock) is logged at most once a minute. */
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, java.time.Duration.ofMinutes(1));
    private static final String CACHED_PLAN_CHANGED = "cached plan must not change result type";

    private final ClientSession session;
    private final Channel client;
    private final ByteBufAllocator alloc;
    private final SessionServices services;
    /** The client's named statements: client name → gateway statement, and the generation the client knows. */
    private final ClientStatements statements;
    private final BackendLinger linger;
    /** While the client keeps its backend after a transaction ({@link BackendLinger}): the end of that wait. */
    private io.netty.util.concurrent.ScheduledFuture<?> lingering;

    /** The replies expected from the backend, in order. */
    private final ReplyQueue expected = new ReplyQueue();
    /** Client messages that arrived while no backend was ready for them. */
    private final ClientBacklog waiting = new ClientBacklog();
    private BackendConnection backend;
    /** The client's standing with its backend; changed only by {@link #moveTo}. */
    private Lease lease = Lease.IDLE;
    /** The pool's answer while {@link Lease#ACQUIRING}. */
    private Future<BackendConnection> acquiring;
    /** After an error in an extended-protocol batch the server ignores everything up to the next Sync. */
    private boolean skippingUntilSync;
    /** A statement of the current batch reset the session (DISCARD ALL) or the settings (RESET ALL). */
    private boolean discardAtReady;
    private boolean resetSettingsAtReady;
    /**
     * Settings a statement of the current extended-protocol batch may RESET: the client's own values are put back
     * right after the batch's Sync ({@link #restoreSettings}).
     */
    private SessionStateEffect.ResetSettings restoreAtSync;
    private boolean batchFailed;
    /**
     * Extended-protocol messages went to the backend since its last Sync: the server holds an implicit transaction
     * open for them, which must not pass to another client (the next Sync would commit this client's work).
     */
    private boolean unsynced;
    /** The statement of the last named Bind: the one a "cached plan must not change result type" is about. */
    private ClientStatement lastBound;
    private String lastBoundName;
    /** {@link #onMessage} is acquiring a backend from within the client's read; {@link #readComplete} will flush. */
    private boolean inClientRead;
    private String pinReason;
    /** The pipelined hand-over being answered. */
    private BackendHandOver pendingHandOver;
    private io.netty.util.concurrent.ScheduledFuture<?> handOverDeadline;
    /** The pending hand-over ran past its deadline and was cancelled. */
    private boolean handOverCancelled;
    /** The statement a pipelined reset prepares last, so the check behind it knows the reset ran whole (per process). */
    private static final String RESET_MARKER = "_ssg_reset_" + randomHex();

    private static String randomHex() {
        byte[] b = new byte[6];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }
    private boolean pinResettable = true;

    TransactionFlow(ClientSession session) {
        this.session = session;
        this.client = session.client();
        this.alloc = client.alloc();
        this.services = session.services();
        this.linger = new BackendLinger(services.config().linger());
        this.statements = new ClientStatements(services.statements(), services.config().limits().maxStatementsPerClient(),
                services.config().limits().maxStatementBytesPerClient());
    }

    private void moveTo(Lease next) {
        assert lease == next || lease.mayMoveTo(next) : lease + " → " + next;
        lease = next;
    }

    /** The attached backend takes the client's messages now (it may be kept between transactions). */
    private boolean serving() {
        return lease == Lease.ATTACHED || lease == Lease.LINGERING;
    }

    @Override
    public synchronized boolean busy() {
        return !expected.isEmpty() || !waiting.isEmpty() || lease == Lease.ACQUIRING || lease == Lease.PREPARING;
    }

    // ---- client → backend ----

    @Override
    public synchronized boolean passThrough(byte type) {
        // Only messages that need no rewriting, and only onto an attached backend with nothing queued before them.
        if (!serving() || !waiting.isEmpty() || skippingUntilSync) return false;
        stopLingering();
        if (type == MessageType.EXECUTE) {
            expect(Expected.of(Kind.EXECUTE));
            unsynced = true;
            return true;
        }
        if (type == MessageType.SYNC && restoreAtSync == null) {
            expect(Expected.of(Kind.SYNC));
            unsynced = false;
            return true;
        }
        return false;
    }

    @Override
    public synchronized void forward(ByteBuf run) {
        // Pass-through messages always leave an expected reply, so the backend cannot have been released.
        if (backend == null) {
            run.release();
            return;
        }
        backend.channel().write(run, backend.channel().voidPromise());
    }

    @Override
    public synchronized void onMessage(byte type, ByteBuf message) {
        if (lease == Lease.CLOSED) {
            message.release();
            return;
        }
        stopLingering();
        if (lease == Lease.IDLE && waiting.isEmpty()) {
            if (skippingUntilSync) {
                // After an error the server ignores everything up to the Sync; with no backend held, so do we. (A
                // malformed Sync ends the skipping too, and the server's answer to it comes as below.)
                if (type != MessageType.SYNC) {
                    message.release();
                    return;
                }
                skippingUntilSync = false;
            }
            if (answeredWithoutBackend(type, message)) return;
            linger.nextTransaction(System.nanoTime());
        }
        if (lease != Lease.ATTACHED || !waiting.isEmpty()) {
            if (waiting.add(message)) client.config().setAutoRead(false); // resumed in ready()/failWaiting
            if (lease == Lease.IDLE) {
                // Served at once, the rest of this read (Bind…Sync after a Parse) joins the same write: readComplete flushes.
                inClientRead = true;
                try {
                    acquire();
                } finally {
                    inClientRead = false;
                }
            }
            return;
        }
        process(type, message);
        drainSynthetic();
    }

    @Override
    public synchronized void readComplete() {
        if (serving()) {
            backend.channel().flush();
            BackPressure.pauseWhileFull(client, backend.channel());
        }
        client.flush();
    }

    @Override
    public synchronized void flushBackend() {
        // As if the client had sent it: it reaches the backend behind whatever is queued, or is nothing when idle.
        onMessage(MessageType.FLUSH, FrontendMessages.flush(alloc));
        readComplete();
    }

    @Override
    public boolean awaitingReplies() {
        return busy(); // every reply is accounted for in the expected queue
    }

    @Override
    public void backendWritabilityChanged(BackendConnection connection) {
        if (connection.channel().isWritable()) client.config().setAutoRead(true);
    }

    @Override
    public synchronized void clientWritabilityChanged(boolean writable) {
        if (backend != null && writable) backend.channel().config().setAutoRead(true);
    }

    /**
     * Between transactions some messages need no backend: preparing a statement already accepted on this
     * database, closing a statement, Sync and Flush. Answering them here keeps a client that prepares
     * statements one blocking call at a time (pgbench -M prepared, libpq's PQprepare) from waiting for a backend
     * that its own other connections hold — a deadlock when all backends are in transactions.
     */
    private boolean answeredWithoutBackend(byte type, ByteBuf message) {
        // Only what may be answered here is checked here (a Query or an unnamed Parse, the first message of most
        // transactions, is checked once, in process); a malformed one goes to a backend, which refuses it.
        if (!mayAnswerWithoutBackend(type, message) || FrontendMessageFormat.problem(type, message) != null) return false;
        switch (type) {
            case MessageType.PARSE -> {
                FrontendMessages.Parse parse = FrontendMessages.parse(message);
                if (statements.contains(parse.name())) return false;
                StatementDef def = services.statements().lookup(parse.tail());
                if (def == null || !def.acceptedIn(session.database()) || statements.refusal(parse.tail()) != null
                        || !(classify(parse.query()) instanceof SessionStateEffect.None)) {
                    return false;
                }
                statements.add(parse.name(), parse.tail(), null);
                client.write(FrontendMessages.parseComplete(alloc), client.voidPromise());
            }
            case MessageType.CLOSE -> {
                if (FrontendMessages.target(message) == 'S') statements.remove(FrontendMessages.targetName(message));
                // A portal does not outlive its transaction, and closing a missing one is no error either.
                client.write(FrontendMessages.closeComplete(alloc), client.voidPromise());
            }
            case MessageType.SYNC -> client.write(ServerMessages.readyForQuery(alloc, (byte) 'I'), client.voidPromise());
            case MessageType.FLUSH -> { }
            default -> {
                return false;
            }
        }
        message.release();
        return true;
    }

    private static boolean mayAnswerWithoutBackend(byte type, ByteBuf message) {
        return switch (type) {
            case MessageType.PARSE -> message.readableBytes() > 5 && message.getByte(message.readerIndex() + 5) != 0; // named
            case MessageType.CLOSE, MessageType.SYNC, MessageType.FLUSH -> true;
            default -> false;
        };
    }

    /** Handles one whole client message with a ready backend attached. */
    private void process(byte type, ByteBuf message) {
        if (skippingUntilSync && type != MessageType.SYNC) {
            message.release(); // the server would ignore it too
            return;
        }
        switch (type) {
            // Sync ends the implicit transaction; so does a simple Query or FunctionCall, which the server commits with it.
            case MessageType.SYNC, MessageType.QUERY, MessageType.FUNCTION_CALL -> unsynced = false;
            case MessageType.PARSE, MessageType.BIND, MessageType.DESCRIBE, MessageType.CLOSE, MessageType.EXECUTE -> unsynced = true;
            default -> { } // Flush and COPY messages start nothing
        }
        String problem = FrontendMessageFormat.problem(type, message);
        if (problem != null) {
            refusedByBackend(type, message, problem);
            return;
        }
        switch (type) {
            case MessageType.PARSE -> parse(message);
            case MessageType.BIND -> bind(message);
            case MessageType.DESCRIBE -> describe(message);
            case MessageType.CLOSE -> close(message);
            case MessageType.QUERY -> query(message);
            case MessageType.EXECUTE -> {
                expect(Expected.of(Kind.EXECUTE));
                send(message);
            }
            case MessageType.SYNC -> {
                skippingUntilSync = false;
                expect(Expected.of(Kind.SYNC));
                send(message);
                if (restoreAtSync != null) {
                    restoreSettings(restoreAtSync);
                    restoreAtSync = null;
                }
            }
            case MessageType.FUNCTION_CALL -> {
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
            case MessageType.QUERY -> expect(Expected.of(Kind.QUERY));
            case MessageType.SYNC -> {
                skippingUntilSync = false;
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
            failInBatch("42P05", "prepared statement \"" + parse.name() + "\" already exists");
            return;
        }
        String refusal = statements.refusal(parse.tail());
        if (refusal != null) {
            failInBatch(SqlState.OUT_OF_MEMORY, refusal);
            return;
        }
        StatementDef def = statements.add(parse.name(), parse.tail(), SessionStateEffect.resets(effect)).def();
        if (backend.statements().generation(def.name()) == def.generation()) {
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
        backend.statements().stale(target.def().name());
        expect(Expected.parse(Kind.PARSE, null, 0));
        send(FrontendMessages.encodeParse(alloc, parse.name(), tail));
    }

    private static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Answers the current message with an error, as the server would, and ignores the batch up to its Sync. */
    private void failInBatch(String code, String text) {
        expect(Expected.synthetic(ServerMessages.error(alloc, "ERROR", code, text)));
        skippingUntilSync = true;
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
            skippingUntilSync = true;
            return;
        }
        ensurePrepared(def);
        restoreAfterSync(statement.resets());
        lastBound = statement;
        lastBoundName = name;
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
        send(FrontendMessages.encodeTarget(alloc, MessageType.DESCRIBE, (byte) 'S', def.name()));
    }

    /**
     * A Bind or Describe of a statement this client never prepared is answered as the server would answer it
     * (26000) — without asking the backend, which may hold the gateway's statements for other clients, or another
     * client's. Only a pinned client may name a statement of its own SQL PREPARE, and never a gateway name.
     */
    private boolean refuseUnknownStatement(String name, ByteBuf message) {
        if (pinReason != null && !StatementRegistry.isGatewayName(name)) return false;
        message.release();
        failInBatch(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + name + "\" does not exist");
        return true;
    }

    private void close(ByteBuf message) {
        if (FrontendMessages.target(message) == 'S' && !FrontendMessages.targetName(message).isEmpty()) {
            String name = FrontendMessages.targetName(message);
            if (statements.remove(name) != null || pinReason == null) {
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
                && (d.name() == null ? pinReason == null : statements.contains(d.name()))) {
            // DEALLOCATE of protocol-level statements: they live in the gateway's map, not on this backend.
            // (A pinned client's DEALLOCATE ALL also concerns its SQL-level statements: that one goes to the server.)
            message.release();
            if (d.name() == null) statements.clear();
            else statements.remove(d.name());
            expect(Expected.synthetic(FrontendMessages.commandComplete(alloc, d.name() == null ? "DEALLOCATE ALL" : "DEALLOCATE")));
            expect(Expected.synthetic(ServerMessages.readyForQuery(alloc, backend.transactionStatus())));
            return;
        }
        if (effect instanceof SessionStateEffect.Deallocate d && d.name() != null && StatementRegistry.isGatewayName(d.name())
                && !statements.contains(d.name())) {
            // Plain SQL naming a gateway statement: refused here. (Other paths reach the server; a statement lost that
            // way is prepared again there before its next use.)
            message.release();
            expect(Expected.synthetic(ServerMessages.error(alloc, "ERROR", SqlState.INVALID_SQL_STATEMENT_NAME,
                    "prepared statement \"" + d.name() + "\" does not exist")));
            expect(Expected.synthetic(ServerMessages.readyForQuery(alloc, backend.transactionStatus())));
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
        if (resets != null) restoreAtSync = resets.and(restoreAtSync);
    }

    /**
     * Right behind a client's RESET (or DISCARD ALL, or SET … TO DEFAULT): the backend's defaults are the gateway's
     * startup values, so the client's own — its startup packet's, as it saw them at login — are put back, only where
     * the RESET took effect. The client's ReadyForQuery waits for this, so it sees the ParameterStatus of its own
     * values before it can send anything else, as on a direct connection.
     */
    private void restoreSettings(SessionStateEffect.ResetSettings resets) {
        Map<String, String> values = session.parameters().restoreValues(resets);
        if (values.isEmpty()) return;
        expect(Expected.of(Kind.RESTORE));
        send(ClientMessages.restoreSettings(alloc, values));
    }

    private SessionStateEffect classify(CharSequence sql) {
        return SessionStateClassifier.classify(sql, session.parameters().trackedNames(), session.parameters().unreportedNames());
    }

    /** Session effects of SQL that goes to the server. */
    private void noteSessionEffects(SessionStateEffect effect) {
        switch (effect) {
            case SessionStateEffect.Pin p -> pin(p.reason(), p.resettable());
            case SessionStateEffect.DiscardAll d -> {
                statements.clear();
                // Whether or not it runs, nothing of ours may be assumed prepared here any more: each statement is
                // closed (harmless if already gone) before it is prepared again.
                backend.statements().staleAll();
                discardAtReady = true;
            }
            case SessionStateEffect.ResetSettings r -> resetSettingsAtReady |= r.all();
            case SessionStateEffect.Both b -> {
                noteSessionEffects(b.first());
                noteSessionEffects(b.second());
            }
            case SessionStateEffect.Deallocate d -> {
                if (d.name() == null) {
                    statements.clear();
                    backend.statements().staleAll();
                }
            }
            case SessionStateEffect.None n -> { }
        }
    }

    private void pin(String reason, boolean resettable) {
        pinResettable &= resettable;
        if (pinReason != null) return;
        pinReason = reason;
        services.counters().pinned();
        THROTTLED.log(Level.INFO, "pinned", "client " + client.remoteAddress() + " on " + session.database()
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
        if (backend.statements().generation(def.name()) != def.generation()) prepareOnBackend(def, Kind.PARSE_HIDDEN);
    }

    private void prepareOnBackend(StatementDef def, Kind kind) {
        BackendStatements prepared = backend.statements();
        if (prepared.generation(def.name()) >= 0) prepared.stale(def.name());
        if (prepared.mustClose(def.name())) {
            prepared.closed(def.name());
            expect(Expected.closeHidden(def.name()));
            send(FrontendMessages.encodeTarget(alloc, MessageType.CLOSE, (byte) 'S', def.name()));
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

    private Expected pop() {
        return expected.pop();
    }

    private void send(ByteBuf message) {
        backend.channel().write(message, backend.channel().voidPromise());
    }

    /**
     * Sends the gateway's own replies that are now due: those with nothing unanswered before them. When one of
     * them is a ReadyForQuery (a DEALLOCATE the gateway answered), the transaction may be over.
     */
    private void drainSynthetic() {
        if (expected.sendDueSynthetic(reply -> client.write(reply, client.voidPromise()))) releaseIfDone();
    }

    // ---- getting and giving back a backend ----

    private void acquire() {
        Future<BackendConnection> f = services.pools().acquire(session.database(), client.eventLoop(), session.parameters().applicationName());
        acquiring = f;
        moveTo(Lease.ACQUIRING); // before the listener, which runs at once when a backend is idle
        f.addListener(done -> {
            if (done.isCancelled()) return;
            if (done.isSuccess()) attach((BackendConnection) done.getNow());
            else acquireFailed(done.cause());
        });
    }

    private synchronized void attach(BackendConnection b) {
        if (lease != Lease.ACQUIRING) {
            // The client left, or its request was cancelled while the backend was on its way.
            services.pools().release(b);
            return;
        }
        acquiring = null;
        backend = b;
        services.counters().transactionStarted();
        BackendHandOver handOver = BackendHandOver.plan(b, session, session.parameters()::syncFor,
                b.statements().takeToClose(BackendStatements.DEFAULT_CAPACITY));
        if (handOver.isEmpty()) {
            ready();
            return;
        }
        if (handOver.reset()) {
            // Not awaited: the reset goes out in the same write as the client's messages, which a check between them
            // keeps from running unless the reset ran whole.
            b.owner(this);
            services.counters().sessionReset(handOver.discardAll());
            pendingHandOver = handOver;
            handOverCancelled = false;
            Expected answer = Expected.handOver();
            expect(answer);
            expect(Expected.of(Kind.HANDOVER_CHECK));
            send(handOver.encodePipelined(alloc, RESET_MARKER));
            // A reset that hangs (a lock another session holds on a temporary table the last client left) fails closed.
            handOverDeadline = client.eventLoop().schedule(() -> handOverOverdue(answer), services.config().connectionTimeout().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            ready();
            return;
        }
        moveTo(Lease.PREPARING);
        GatewayQuery.run(b, handOver.encode(alloc), handOver.replies(), client.eventLoop(), services.config().connectionTimeout())
                .addListener(f -> handedOver(b, handOver, f));
    }

    /**
     * A reply to a pipelined hand-over: swallowed (the backend records ParameterStatus itself). At its ReadyForQuery: if
     * any part failed, the backend is closed and what the client sent with it — none of which ran, the check saw to
     * that — is answered with an error.
     */
    private void handOverReply(Expected handOver, byte type, ByteBuf message) {
        if (type == MessageType.ERROR_RESPONSE) {
            ErrorFields e = ErrorFields.decodeMessage(message);
            LOG.fine(() -> "the hand-over of " + backend + " failed: " + e);
            handOver.failed = true;
        }
        message.release();
        if (type == MessageType.ERROR_RESPONSE) return;
        if (type != MessageType.READY_FOR_QUERY) return;
        pop();
        cancelHandOverDeadline();
        BackendHandOver done = pendingHandOver;
        pendingHandOver = null;
        if (handOver.failed) handOverFailed();
        else session.parameters().synced(backend, done.sync());
    }

    /** ParameterDescription, RowDescription and CloseComplete of the reset check; an error means the reset did not run. */
    private void handOverCheckReply(byte type, ByteBuf message) {
        if (type == MessageType.ERROR_RESPONSE) {
            ErrorFields e = ErrorFields.decodeMessage(message);
            LOG.fine(() -> "the reset check on " + backend + " failed: " + e);
        }
        message.release();
        if (type == MessageType.ERROR_RESPONSE) {
            handOverFailed();
        } else if (type == MessageType.CLOSE_COMPLETE) {
            pop();
            drainSynthetic();
        }
    }

    private void cancelHandOverDeadline() {
        if (handOverDeadline != null) {
            handOverDeadline.cancel(false);
            handOverDeadline = null;
        }
    }

    /**
     * The reset has not finished within CONNECTION_TIMEOUT_SECS (it waits for a lock another session holds on a
     * temporary table the last client left, say). It is cancelled, and the server's answer still decides: the cancelled
     * reset fails, the check behind it skips the client's messages, and {@link #handOverReply} tells the client nothing
     * ran; a reset that finished just before the cancel lets them run as usual. Closing the connection instead would
     * not do: the server would go on to the client's messages, already in its buffer, once the lock was free. A server
     * that answers nothing for another CONNECTION_TIMEOUT_SECS is closed, and the client learns the connection was lost.
     */
    private synchronized void handOverOverdue(Expected answer) {
        handOverDeadline = null;
        if (lease == Lease.CLOSED || expected.peek() != answer) return;
        BackendConnection b = backend;
        if (!handOverCancelled) {
            THROTTLED.log(Level.WARNING, "reset overdue", "a session reset on " + b + " did not finish within "
                    + services.config().connectionTimeout().toMillis() + " ms; cancelling it");
            handOverCancelled = true;
            services.connector().cancel(client.eventLoop(), b, () -> { });
            handOverDeadline = client.eventLoop().schedule(() -> handOverOverdue(answer), services.config().connectionTimeout().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            return;
        }
        THROTTLED.log(Level.WARNING, "reset unanswered", "a cancelled session reset on " + b + " was not answered either; closing that backend");
        b.close();
    }

    /**
     * The reset failed (a statement_timeout the last client left, a cancel): the backend is closed, and the client's
     * messages sent behind the reset — skipped by the server — are answered with one error, as a failed batch.
     */
    private void handOverFailed() {
        cancelHandOverDeadline();
        BackendConnection b = backend;
        backend = null;
        moveTo(Lease.IDLE);
        int readies = expected.clear();
        restoreAtSync = null;
        discardAtReady = false;
        resetSettingsAtReady = false;
        batchFailed = false;
        // With no Sync sent yet, the client's batch is still open: it ends at the client's Sync, answered then.
        skippingUntilSync = readies == 0;
        if (b != null) {
            b.owner(null);
            services.pools().discard(b);
        }
        LOG.fine(() -> "session reset failed on " + b + "; the client's request was not run");
        client.write(ServerMessages.error(alloc, "ERROR", SqlState.CONNECTION_FAILURE, "the gateway could not reset a backend"
                + " connection for this request (a setting the previous client left made the reset fail); nothing of it ran: try again"),
                client.voidPromise());
        for (int i = 0; i < readies; i++) client.write(ServerMessages.readyForQuery(alloc, (byte) 'I'), client.voidPromise());
        client.flush();
    }

    private synchronized void handedOver(BackendConnection b, BackendHandOver handOver, Future<?> f) {
        if (lease != Lease.PREPARING || backend != b) {
            services.pools().discard(b); // the client left meanwhile
            return;
        }
        if (!f.isSuccess() || ((GatewayQuery.Result) f.getNow()).failed()) {
            // Never reused: its settings are unknown. (A reset never comes this way: it is pipelined, see attach.)
            backend = null;
            moveTo(Lease.IDLE);
            services.pools().discard(b);
            Throwable cause = f.isSuccess() ? new BackendException(((GatewayQuery.Result) f.getNow()).error(), "the backend refused the client's settings") : f.cause();
            failWaiting(cause);
            return;
        }
        session.parameters().synced(b, handOver.sync());
        ready();
    }

    /** The backend serves this client now: replay what the client sent meanwhile. */
    private void ready() {
        moveTo(Lease.ATTACHED);
        backend.owner(this);
        // Nothing to do (the messages it was fetched for were answered meanwhile, e.g. cancelled): give it back.
        boolean fetchedForNothing = waiting.isEmpty();
        while (!waiting.isEmpty() && lease == Lease.ATTACHED) {
            ByteBuf next = waiting.take();
            process(next.getByte(next.readerIndex()), next);
            drainSynthetic();
        }
        if (fetchedForNothing) releaseIfDone();
        if (!inClientRead) {
            if (backend != null) backend.channel().flush();
            client.flush();
        }
        client.config().setAutoRead(true);
    }

    private synchronized void acquireFailed(Throwable cause) {
        if (lease != Lease.ACQUIRING) return; // cancelled (and answered) or the client left
        acquiring = null;
        moveTo(Lease.IDLE);
        failWaiting(cause);
    }

    /**
     * No backend for the waiting messages: the client gets an ErrorResponse (not FATAL: its session survives)
     * and a ReadyForQuery for each Sync or Query it sent, as if the server had failed the batch.
     */
    private void failWaiting(Throwable cause) {
        String code = SqlState.CONNECTION_FAILURE;
        String message = "the gateway could not get a backend connection: " + cause.getMessage();
        if (cause instanceof PoolTimeoutException) {
            code = SqlState.TOO_MANY_CONNECTIONS;
            message = cause.getMessage();
        } else if (cause instanceof BackendException be && be.serverError() != null) {
            code = be.serverError().code();
            message = be.serverError().message();
        }
        failWaiting(code, message);
    }

    private void failWaiting(String code, String message) {
        client.write(ServerMessages.error(alloc, "ERROR", code, message), client.voidPromise());
        while (!waiting.isEmpty()) {
            ByteBuf m = waiting.take();
            byte type = m.getByte(m.readerIndex());
            m.release();
            if (type == MessageType.SYNC || type == MessageType.QUERY || type == MessageType.FUNCTION_CALL) {
                client.write(ServerMessages.readyForQuery(alloc, (byte) 'I'), client.voidPromise());
            }
        }
        client.flush();
        client.config().setAutoRead(true);
    }

    /** At a ReadyForQuery with nothing outstanding: give the backend back unless the client is pinned to it. */
    private void releaseIfDone() {
        if (lease != Lease.ATTACHED || !releasable()) return;
        if (services.config().sessionReset() && linger.keep(System.nanoTime())) {
            client.flush();
            moveTo(Lease.LINGERING);
            lingering = client.eventLoop().schedule(this::lingerOver, services.config().linger().window().toNanos(),
                    java.util.concurrent.TimeUnit.NANOSECONDS);
            return;
        }
        giveBack();
    }

    /** Whether the backend is attached with nothing outstanding and nothing that ties the client to it. */
    private boolean releasable() {
        return serving() && expected.isEmpty() && waiting.isEmpty() && !unsynced && pinReason == null
                && backend.transactionStatus() == 'I';
    }

    private void giveBack() {
        BackendConnection b = backend;
        backend = null;
        moveTo(Lease.IDLE);
        b.owner(null);
        client.flush();
        services.pools().release(b);
    }

    /** The client did not come back within the linger window: its backend goes back to the pool. */
    private synchronized void lingerOver() {
        if (lease != Lease.LINGERING) return;
        lingering = null;
        moveTo(Lease.ATTACHED);
        linger.expired();
        if (releasable()) giveBack();
    }

    /** The client's next message came while it kept its backend: that transaction runs there, with no hand-over. */
    private void stopLingering() {
        if (!cancelLinger()) return;
        linger.nextTransaction(System.nanoTime());
        services.counters().transactionStarted(); // on the backend it kept, with no hand-over
    }

    /** Ends a linger (the backend serves the client again, or is about to go): false if the client was not lingering. */
    private boolean cancelLinger() {
        if (lease != Lease.LINGERING) return false;
        lingering.cancel(false);
        lingering = null;
        moveTo(Lease.ATTACHED);
        return true;
    }

    // ---- backend → client ----

    @Override
    public synchronized boolean passBackendThrough(byte type) {
        if (expected.needsEveryReply() || type == MessageType.ERROR_RESPONSE) return false;
        account(type);
        return true;
    }

    /** Moves the queue along for a reply that needs no special handling. */
    private void account(byte type) {
        expected.account(type, session.database());
    }

    @Override
    public synchronized void onBackendData(BackendConnection connection, ByteBuf data) {
        client.write(data, client.voidPromise());
    }

    @Override
    public synchronized void onBackendMessage(BackendConnection connection, byte type, ByteBuf message) {
        if (connection != backend) {
            message.release();
            return;
        }
        if (lease == Lease.LINGERING && type == MessageType.ERROR_RESPONSE) {
            // The backend failed (was terminated, say) while the client kept it between transactions: as for an idle
            // backend in the pool, it is dropped without a word, and the client's next transaction gets another.
            message.release();
            cancelLinger();
            backend = null;
            moveTo(Lease.IDLE);
            services.pools().discard(connection);
            return;
        }
        Expected first = expected.peek();
        if (first != null && first.kind == Kind.RESTORE) {
            restoreReply(first, type, message);
            return;
        }
        if (first != null && first.kind == Kind.HANDOVER) {
            handOverReply(first, type, message);
            return;
        }
        if (first != null && first.kind == Kind.HANDOVER_CHECK) {
            handOverCheckReply(type, message);
            return;
        }
        switch (type) {
            case MessageType.READY_FOR_QUERY -> readyForQuery(message);
            case MessageType.PARAMETER_STATUS -> {
                session.parameters().parameterStatus(message);
                client.write(message, client.voidPromise());
            }
            case MessageType.ERROR_RESPONSE -> error(message);
            case MessageType.PARSE_COMPLETE -> {
                Expected head = expected.peek();
                if (head != null && head.kind == Kind.PARSE_HIDDEN) {
                    pop();
                    head.statement.accepted(session.database());
                    message.release();
                } else {
                    account(type);
                    client.write(message, client.voidPromise());
                }
            }
            case MessageType.CLOSE_COMPLETE -> {
                if (expected.headIs(Kind.CLOSE_HIDDEN)) {
                    pop();
                    message.release();
                } else {
                    account(type);
                    client.write(message, client.voidPromise());
                }
            }
            default -> {
                account(type);
                client.write(message, client.voidPromise());
            }
        }
        if (backend != null) drainSynthetic();
    }

    private void readyForQuery(ByteBuf message) {
        expected.popThroughReady();
        Expected next = expected.peek();
        if (next != null && next.kind == Kind.RESTORE) {
            next.reply = message; // sent once the client's settings are back
        } else {
            client.write(message, client.voidPromise());
        }
        if (discardAtReady && !batchFailed) {
            backend.forgetSessionState();
            if (pinResettable) pinReason = null;
        } else if (resetSettingsAtReady && !batchFailed) {
            backend.appliedSettingsReset();
        }
        afterReady();
    }

    private void afterReady() {
        if (expected.isEmpty()) {
            discardAtReady = false;
            resetSettingsAtReady = false;
            batchFailed = false;
        }
        drainSynthetic();
        releaseIfDone();
    }

    /**
     * A reply to {@link #restoreSettings}: swallowed, except ParameterStatus (the client learns its values are back);
     * at its ReadyForQuery the client's own ReadyForQuery, held back till now, goes out. A failure (the transaction had
     * already failed) changes nothing the client was not told.
     */
    private void restoreReply(Expected restore, byte type, ByteBuf message) {
        switch (type) {
            case MessageType.PARAMETER_STATUS -> {
                session.parameters().parameterStatus(message);
                client.write(message, client.voidPromise());
            }
            case MessageType.ERROR_RESPONSE -> {
                restore.failed = true;
                message.release();
            }
            case MessageType.READY_FOR_QUERY -> {
                message.release();
                pop();
                // Whatever the RESET did to unreported startup settings, they hold the client's values now.
                if (!restore.failed) session.parameters().synced(backend, ClientParameters.Sync.NONE);
                ByteBuf clientsReady = restore.reply;
                restore.reply = null;
                if (clientsReady != null) client.write(clientsReady, client.voidPromise());
                afterReady();
            }
            default -> message.release();
        }
    }

    private void error(ByteBuf message) {
        ErrorFields error = ErrorFields.decodeMessage(message);
        batchFailed = true;
        Expected head = expected.peek();
        if (head != null && head.kind == Kind.QUERY) {
            head.failed = true;
        } else if (head != null) {
            // Extended protocol: the message at the head failed and the server skips the rest up to the Sync.
            if (SqlState.FEATURE_NOT_SUPPORTED.equals(error.code()) && error.message() != null && error.message().startsWith(CACHED_PLAN_CHANGED)) {
                invalidate(lastBound);
            }
            if (SqlState.INVALID_SQL_STATEMENT_NAME.equals(error.code())) forgetLostStatement(error.message());
            boolean syncQueued = expected.dropUntilSync(this::forgetUnanswered);
            skippingUntilSync = !syncQueued;
            // The server skips up to the client's next Sync: until then the backend is no one else's.
            if (!syncQueued) unsynced = true;
            if (head.kind == Kind.BIND && head.statement != null) {
                // The server names the statement it was given ("bind message supplies 0 parameters, but prepared
                // statement ... requires 1"): the client hears of its own name, as from the server directly.
                message = ServerMessages.replaceInFields(alloc, message, quoted(head.statement.name()), quoted(head.name));
            }
        }
        client.write(message, client.voidPromise());
    }

    private static String quoted(String name) {
        return "\"" + name + "\"";
    }

    /**
     * The backend lost a gateway statement it was thought to have (SQL {@code DEALLOCATE} of its name, through any
     * path): it is prepared again before its next use there. This use has failed; the client was told.
     */
    private void forgetLostStatement(String serverMessage) {
        String quoted = "prepared statement \"" + StatementRegistry.PREFIX;
        if (serverMessage == null || !serverMessage.startsWith(quoted)) return;
        int end = serverMessage.indexOf('"', quoted.length());
        if (end > 0) backend.statements().forget(serverMessage.substring(quoted.length() - StatementRegistry.PREFIX.length(), end));
    }

    /** An entry dropped unanswered: what it promised did not happen on the backend. */
    private void forgetUnanswered(Expected x) {
        switch (x.kind) {
            case PARSE, PARSE_HIDDEN -> {
                if (x.statement != null) backend.statements().forget(x.statement.name());
            }
            case CLOSE_HIDDEN -> backend.statements().stale(x.name);
            default -> x.discard();
        }
    }

    /** The statement's result type changed (DDL): every backend re-prepares it before its next use. */
    private void invalidate(ClientStatement statement) {
        if (statement == null) return;
        StatementDef def = statement.def();
        backend.statements().stale(def.name());
        def.invalidate(statement.generation());
        // This client has just been told; its next use (a retry, or a fresh Parse) must not be told again.
        if (lastBoundName != null && statements.get(lastBoundName) == statement) {
            statements.seen(lastBoundName, statement.current());
        }
    }

    @Override
    public synchronized void onBackendReadComplete(BackendConnection connection) {
        client.flush();
        if (client.isActive() && backend == connection) BackPressure.pauseWhileFull(connection.channel(), client);
    }

    @Override
    public synchronized void onBackendClosed(BackendConnection connection) {
        if (backend != connection) return;
        backend = null;
        boolean wasLingering = cancelLinger();
        moveTo(Lease.IDLE);
        if (wasLingering) return; // kept between transactions, so idle: nothing of the client's was lost with it
        expected.clear();
        // The backend's FATAL (if it sent one) has reached the client; its session cannot go on without the backend's state.
        if (client.isActive()) session.sendFatal(SqlState.CONNECTION_FAILURE, "the connection to the database server was lost");
    }

    // ---- cancel and disconnect ----

    @Override
    public synchronized void cancel(Runnable done) {
        if (lease == Lease.ACQUIRING && !waiting.isEmpty()) {
            // The query has not reached a server yet: cancel it here, as the server would have.
            Future<BackendConnection> pending = acquiring;
            acquiring = null;
            moveTo(Lease.IDLE);
            pending.cancel(false);
            failWaiting("57014", "canceling statement due to user request");
            done.run();
            return;
        }
        BackendConnection b = backend;
        if (b != null && !expected.isEmpty() && b.owner() == this) services.connector().cancel(client.eventLoop(), b, done);
        else done.run();
    }

    @Override
    public synchronized void clientClosed() {
        if (lease == Lease.CLOSED) return;
        cancelLinger();
        Lease was = lease;
        moveTo(Lease.CLOSED);
        statements.clear(); // the registry forgets what no client holds any more
        cancelHandOverDeadline();
        if (was == Lease.ACQUIRING) {
            acquiring.cancel(false);
            acquiring = null;
        }
        waiting.releaseAll();
        boolean busy = !expected.isEmpty();
        expected.clear();
        BackendConnection b = backend;
        backend = null;
        if (b == null || was == Lease.PREPARING) return; // a backend still preparing is discarded when that finishes
        if (!b.isActive() || unsynced || (pinReason != null && !pinResettable)) {
            if (busy) services.pools().discardRunning(b); // its query stops now, and its locks go with it
            else services.pools().discard(b);
            return;
        }
        if (busy) {
            BackendDrain.cancelThenRelease(services, b);
            return;
        }
        SessionReset.resetAndRelease(services, b, pinReason != null);
    }
}
