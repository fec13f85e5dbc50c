package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.FrontendMessageFormat;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client's half of transaction pooling: each client message on its way to the attached backend. Named prepared
 * statements go through {@link StatementRequests}; what the gateway can answer alone (between transactions, or a
 * DEALLOCATE of its own statements) is answered; session effects of SQL are noted (pinning, DISCARD ALL, RESET) and the
 * client's settings put back after a RESET; each message leaves the reply it expects in the {@link ReplyQueue}. Runs
 * under the flow's lock.
 */
final class ClientRequests {

    private static final Logger LOG = Logger.getLogger(ClientRequests.class.getName());
    /** Pinning, which a client can make happen over and over, is logged at most once a minute. */
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, java.time.Duration.ofMinutes(1));

    private final Channel client;
    private final ByteBufAllocator alloc;
    /** The client's database: a statement accepted there may be answered without a backend. */
    private final String database;
    private final ClientParameters parameters;
    private final StatementRegistry registry;
    private final ProxyCounters counters;
    private final ClientStatements statements;
    private final BatchState batch;
    private final BackendWire wire;
    /** The client's named statements on their way. */
    private final StatementRequests statementRequests;

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
        this.batch = batch;
        this.wire = new BackendWire(expected, backend);
        this.statementRequests = new StatementRequests(alloc, statements, batch, wire);
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
            case FrontendType.SYNC -> client.write(ServerMessages.readyForQuery(alloc, TransactionStatus.IDLE), client.voidPromise());
            case FrontendType.FLUSH -> { }
            default -> {
                return false;
            }
        }
        message.release();
        return true;
    }

    /**
     * Keeps a named statement whose Parse the gateway answered itself (a transaction end, see {@link LazyBegin}), as if
     * the server had prepared it: false if the name is in use or the client's statement limits are reached (then the
     * server is asked, and says so). The message stays the caller's.
     */
    boolean keepPreparedWithoutBackend(ByteBuf parseMessage) {
        if (FrontendMessageFormat.problem(FrontendType.PARSE, parseMessage) != null) return false;
        FrontendMessages.Parse parse = FrontendMessages.parse(parseMessage);
        if (parse.name().isEmpty() || statements.contains(parse.name()) || statements.refusal(parse.tail()) != null) return false;
        statements.add(parse.name(), parse.tail(), null);
        return true;
    }

    private static boolean mayAnswerWithoutBackend(byte type, ByteBuf message) {
        return switch (type) {
            case FrontendType.PARSE -> message.readableBytes() > 5 && message.getByte(message.readerIndex() + 5) != 0; // named
            case FrontendType.CLOSE, FrontendType.SYNC, FrontendType.FLUSH -> true;
            default -> false;
        };
    }

    /**
     * Whether a Parse, Bind or Describe can reach the attached backend as the client sent it, unread by {@link #process}:
     * the unnamed statement and portal need no renaming, and a Parse whose SQL has no session effect nothing else
     * (pgbench -M extended, and most clients' one-off statements). If so, its reply is expected now. A malformed one is
     * refused by the server itself, as in {@link #refusedByBackend}; {@code message} is only read.
     */
    boolean passesUnread(byte type, ByteBuf message) {
        return passesUnread(type, message, message.readerIndex(), message.readableBytes());
    }

    /**
     * As {@link #passesUnread(byte, ByteBuf)}, for the {@code length} bytes of {@code message} at {@code at} — also for a
     * simple Query: a well-formed one whose SQL has no session effect (pgbench -M simple) is expected as {@code process}
     * would expect it.
     */
    boolean passesUnread(byte type, ByteBuf message, int at, int length) {
        switch (type) {
            case FrontendType.PARSE -> {
                if (length < 9 || message.getByte(at + 5) != 0) return false; // a named statement is renamed
                int sqlEnd = message.indexOf(at + 6, at + length, (byte) 0);
                // With no terminator (malformed: the server refuses it) the rest is looked at.
                ByteChars query = new ByteChars(message, at + 6, sqlEnd < 0 ? at + length : sqlEnd);
                if (!(classify(query) instanceof SessionStateEffect.None)) return false;
                expect(Expected.parse(Kind.PARSE, null, 0));
            }
            case FrontendType.QUERY -> {
                // Well formed (FrontendMessageFormat.problem's test, without a slice): its one string ends with the
                // message. Anything else process answers as the server would.
                if (message.indexOf(at + 5, at + length, (byte) 0) != at + length - 1) return false;
                if (!(classify(new ByteChars(message, at + 5, at + length - 1)) instanceof SessionStateEffect.None)) return false;
                expect(Expected.of(Kind.QUERY));
                batch.unsynced = false; // a Query ends the implicit transaction, as Sync does
                return true;
            }
            case FrontendType.BIND -> {
                // The unnamed portal of the unnamed statement.
                if (length < 13 || message.getByte(at + 5) != 0 || message.getByte(at + 6) != 0) return false;
                expect(Expected.of(Kind.BIND));
            }
            case FrontendType.DESCRIBE -> {
                if (length != 7 || message.getByte(at + 6) != 0) return false; // the unnamed statement or portal
                byte target = message.getByte(at + 5);
                if (target != 'S' && target != 'P') return false;
                expect(Expected.of(Kind.DESCRIBE));
            }
            default -> {
                return false;
            }
        }
        batch.unsynced = true;
        return true;
    }

    /** Handles one whole client message with a ready backend attached. */
    void process(byte type, ByteBuf message) {
        if (batch.skippingUntilSync && type != FrontendType.SYNC) {
            message.release(); // the server would ignore it too
            return;
        }
        if (batch.copyingIn && type == FrontendType.SYNC) {
            // The server ignores a Sync in copy-in mode, with no ReadyForQuery — unless the COPY fails before it reads
            // the Sync, and then it answers one no one can foresee. Not sent, it cannot be answered either way.
            message.release();
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
            case FrontendType.BIND -> statementRequests.bind(message);
            case FrontendType.DESCRIBE -> statementRequests.describe(message);
            case FrontendType.CLOSE -> statementRequests.close(message);
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
            case FrontendType.COPY_DONE, FrontendType.COPY_FAIL -> {
                // Copy-in ends here in the client's stream; if the server has not said yet that it copies in, the place
                // is marked for when it does (the Syncs before it are ignored, those after it answered).
                if (batch.copyingIn) batch.copyingIn = false;
                else expect(Expected.of(Kind.COPY_END));
                send(message);
            }
            default -> send(message); // Flush, CopyData, or something the server will reject itself
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
                && SessionStateClassifier.statementCount(query.toString()) == 1
                && wire.backend().transactionStatus() != TransactionStatus.FAILED) {
            // (In an aborted transaction the server refuses its Parse whatever it names, 25P02: it goes as the client sent
            // it, and the client keeps its statement.)
            statementRequests.deallocateExtended(FrontendMessages.parse(message), message, d.name());
            return;
        }
        noteSessionEffects(effect);
        batch.restoreAfterSync(SessionStateEffect.resets(effect));
        if (queryAt == nameAt + 1) { // the unnamed statement
            expect(Expected.parse(Kind.PARSE, null, 0));
            send(message);
            return;
        }
        statementRequests.parseNamed(message, SessionStateEffect.resets(effect));
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
            if (!refusedInFailedTransaction()) {
                if (d.name() == null) statements.clear();
                else statements.remove(d.name());
                expect(Expected.synthetic(FrontendMessages.commandComplete(alloc, d.name() == null ? "DEALLOCATE ALL" : "DEALLOCATE")));
            }
            expect(Expected.synthetic(ServerMessages.readyForQuery(alloc, wire.backend().transactionStatus())));
            return;
        }
        if (effect instanceof SessionStateEffect.Deallocate d && d.name() != null && StatementRegistry.isGatewayName(d.name())
                && !statements.contains(d.name())) {
            // Plain SQL naming a gateway statement: refused here. (Other paths reach the server; a statement lost that
            // way is prepared again there before its next use.)
            message.release();
            if (wire.backend().transactionStatus() == TransactionStatus.IN_TRANSACTION) {
                // Inside a transaction the server's refusal aborts it: the server refuses a name no statement has
                // (the client hears its own), so the transaction fails there too and the two states stay one.
                expect(Expected.refusedStatementName(d.name()));
                byte[] refusal = ("DEALLOCATE \"" + d.name() + Expected.REFUSED_NAME_SUFFIX + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ByteBuf query = alloc.buffer(refusal.length + 6).writeByte(FrontendType.QUERY).writeInt(refusal.length + 5).writeBytes(refusal).writeByte(0);
                send(query);
                return;
            }
            if (!refusedInFailedTransaction()) {
                expect(Expected.synthetic(ServerMessages.error(alloc, "ERROR", SqlState.INVALID_SQL_STATEMENT_NAME,
                        "prepared statement \"" + d.name() + "\" does not exist")));
            }
            expect(Expected.synthetic(ServerMessages.readyForQuery(alloc, wire.backend().transactionStatus())));
            return;
        }
        noteSessionEffects(effect);
        expect(Expected.of(Kind.QUERY));
        send(message);
        SessionStateEffect.ResetSettings resets = SessionStateEffect.resets(effect);
        if (resets != null) restoreSettings(resets);
    }

    /**
     * A DEALLOCATE the gateway answers itself, in an aborted transaction: refused as the server refuses any command
     * there (25P02), and nothing is deallocated. True if so (the error is queued; the ReadyForQuery is the caller's).
     */
    private boolean refusedInFailedTransaction() {
        if (wire.backend().transactionStatus() != TransactionStatus.FAILED) return false;
        expect(Expected.synthetic(ServerMessages.inFailedTransaction(alloc)));
        return true;
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
                // Whether or not it runs, nothing of ours may be assumed prepared here any more: each statement is
                // closed (harmless if already gone) before it is prepared again. The client's go if it runs.
                wire.backend().statements().staleAll();
                batch.discardAtReady = true;
                batch.dropAtReady(statements.snapshot());
            }
            case SessionStateEffect.ResetSettings r -> batch.resetSettingsAtReady |= r.all();
            case SessionStateEffect.Both b -> {
                noteSessionEffects(b.first());
                noteSessionEffects(b.second());
            }
            case SessionStateEffect.Deallocate d -> {
                if (d.name() == null) {
                    wire.backend().statements().staleAll();
                    batch.dropAtReady(statements.snapshot());
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

    private void expect(Expected e) {
        wire.expect(e);
    }

    private void send(ByteBuf message) {
        wire.send(message);
    }
}
