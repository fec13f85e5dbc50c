package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.session.StatementRegistry.StatementDef;

import java.util.function.Supplier;

/**
 * The backend's half of transaction pooling: each reply on its way to the client, read whole. Replies to the gateway's
 * own messages are swallowed, the client's ReadyForQuery waits behind the restore of its settings, an error ends the
 * extended batch (what the server skips is forgotten) and names the client's statement rather than the gateway's, and
 * the session effects of the batch (DISCARD ALL, RESET ALL) take hold at its ReadyForQuery. Runs under the flow's lock.
 */
final class BackendReplies {

    private final ClientSession session;
    private final Channel client;
    private final ByteBufAllocator alloc;
    private final ClientStatements statements;
    private final ReplyQueue expected;
    private final BatchState batch;
    private final Supplier<BackendConnection> backend;
    /** Called when a ReadyForQuery (or the restore behind it) was passed on: the transaction may be over. */
    private final Runnable answered;

    BackendReplies(ClientSession session, ClientStatements statements, ReplyQueue expected, BatchState batch,
                   Supplier<BackendConnection> backend, Runnable answered) {
        this.session = session;
        this.client = session.client();
        this.alloc = client.alloc();
        this.statements = statements;
        this.expected = expected;
        this.batch = batch;
        this.backend = backend;
        this.answered = answered;
    }

    /** A ParameterStatus goes to the client only if it changes a value the client has, as on a direct connection. */
    private void forwardParameterStatus(ByteBuf message) {
        if (session.parameters().parameterStatus(message)) client.write(message, client.voidPromise());
        else message.release();
    }

    /** A reply of the client's (not of a hand-over), read whole. */
    void handle(byte type, ByteBuf message) {
        Expected first = expected.peek();
        if (first != null && first.kind == Kind.RESTORE) {
            restoreReply(first, type, message);
            return;
        }
        switch (type) {
            case BackendType.READY_FOR_QUERY -> readyForQuery(message);
            case BackendType.PARAMETER_STATUS -> forwardParameterStatus(message);
            case BackendType.ERROR_RESPONSE -> error(message);
            case BackendType.PARSE_COMPLETE -> {
                Expected head = expected.peek();
                if (head != null && head.kind == Kind.PARSE_HIDDEN) {
                    expected.pop();
                    head.statement.accepted(session.database());
                    message.release();
                } else {
                    account(type);
                    client.write(message, client.voidPromise());
                }
            }
            case BackendType.CLOSE_COMPLETE -> {
                if (expected.headIs(Kind.CLOSE_HIDDEN)) {
                    expected.pop();
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
    }

    /** Moves the queue along for a reply that needs no special handling (also for replies passed through unread). */
    void account(byte type) {
        if (type == BackendType.COPY_IN_RESPONSE) copyInStarted();
        else expected.account(type, session.database());
    }

    /**
     * The server is copying in for the Execute or Query at the head: it ignores the client's Syncs until its CopyDone or
     * CopyFail — those queued go, those still to come are not sent ({@link ClientRequests}).
     */
    private void copyInStarted() {
        Expected head = expected.peek();
        batch.copyingIn = expected.copyInStarted();
        // An ignored Sync ends no implicit transaction: the Execute's lasts until a Sync the client is yet to send, and
        // until then the backend is no one else's.
        if (head != null && head.kind == Kind.EXECUTE && !expected.readyDueBehindHead()) batch.unsynced = true;
    }

    private void readyForQuery(ByteBuf message) {
        expected.popThroughReady();
        Expected next = expected.peek();
        if (next != null && next.kind == Kind.RESTORE) {
            next.reply = message; // sent once the client's settings are back
        } else {
            client.write(message, client.voidPromise());
        }
        settleAtReady();
    }

    /** A ReadyForQuery that reached the client at the end of a run of replies passed through unread. */
    void readyPassedThrough() {
        expected.popThroughReady();
        settleAtReady();
    }

    /** What the batch that a ReadyForQuery ends leaves behind: statements dropped, session state forgotten or reset. */
    private void settleAtReady() {
        BackendConnection b = backend.get();
        if (batch.droppedAtReady != null && !batch.failed) statements.removeAll(batch.droppedAtReady);
        if (batch.discardAtReady && !batch.failed) {
            b.forgetSessionState();
            if (batch.pinResettable) batch.pinReason = null;
        } else if (batch.resetSettingsAtReady && !batch.failed) {
            b.appliedSettingsReset();
        }
        afterReady();
    }

    private void afterReady() {
        if (expected.isEmpty()) batch.settled();
        answered.run();
    }

    /**
     * A reply to the gateway's restore of the client's settings ({@link ClientRequests}): swallowed, except
     * ParameterStatus (the client learns its values are back); at its ReadyForQuery the client's own ReadyForQuery,
     * held back till now, goes out. A failure (the transaction had already failed) changes nothing the client was not
     * told.
     */
    private void restoreReply(Expected restore, byte type, ByteBuf message) {
        switch (type) {
            case BackendType.PARAMETER_STATUS -> forwardParameterStatus(message);
            case BackendType.ERROR_RESPONSE -> {
                restore.failed = true;
                message.release();
            }
            case BackendType.READY_FOR_QUERY -> {
                message.release();
                expected.pop();
                // Whatever the RESET did to unreported startup settings, they hold the client's values now.
                if (!restore.failed) session.parameters().synced(backend.get(), ClientParameters.Sync.NONE);
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
        batch.failed = true;
        // An error ends copy-in on the server: the client's data is dropped from now on, and its next Sync answered.
        batch.copyingIn = false;
        Expected head = expected.peek();
        if (head != null && head.kind == Kind.QUERY) {
            head.failed = true;
            if (head.name != null) {
                message = ServerMessages.replaceInFields(alloc, message, quoted(head.name + Expected.REFUSED_NAME_SUFFIX), quoted(head.name));
            }
        } else if (head != null) {
            // Extended protocol: the message at the head failed and the server skips the rest up to the Sync.
            if (SqlState.FEATURE_NOT_SUPPORTED.equals(error.code()) && error.message() != null
                    && error.message().startsWith(StatementRequests.CACHED_PLAN_CHANGED)) {
                invalidate(head);
            }
            if (SqlState.INVALID_SQL_STATEMENT_NAME.equals(error.code())) forgetLostStatement(error.message());
            // A client's Parse the server refused created nothing: its name is free again, as on the server.
            if (head.kind == Kind.PARSE) forgetClientName(head);
            boolean syncQueued = expected.dropUntilSync(this::forgetUnanswered);
            batch.skippingUntilSync = !syncQueued;
            // The server skips up to the client's next Sync: until then the backend is no one else's.
            if (!syncQueued) batch.unsynced = true;
            if ((head.kind == Kind.BIND || head.kind == Kind.DESCRIBE) && head.statement != null) {
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
        if (end > 0) {
            backend.get().statements().forget(serverMessage.substring(quoted.length() - StatementRegistry.PREFIX.length(), end));
        }
    }

    /** An entry dropped unanswered: what it promised did not happen on the backend. */
    private void forgetUnanswered(Expected x) {
        switch (x.kind) {
            case PARSE, PARSE_HIDDEN -> {
                if (x.statement != null) backend.get().statements().forget(x.statement.name());
                // A client's Parse the server skipped (after an error, up to the Sync) did not create its name either.
                if (x.kind == Kind.PARSE) forgetClientName(x);
            }
            case CLOSE_HIDDEN -> backend.get().statements().closeSkipped(x.name);
            default -> x.discard();
        }
    }

    /** Frees the client's name of a Parse that created nothing, unless the client has prepared it again since. */
    private void forgetClientName(Expected parse) {
        if (parse.name == null || parse.name.isEmpty() || parse.statement == null) return;
        ClientStatement mine = statements.get(parse.name);
        if (mine != null && mine.def() == parse.statement) statements.remove(parse.name);
    }

    /**
     * The result type of the statement a Bind or Describe named changed (DDL): every backend re-prepares it before its
     * next use. Only that statement: a change of the unnamed one (which lives within its batch) leaves the client's
     * named statements alone, and their other holders are not told of a change that did not happen.
     */
    private void invalidate(Expected failed) {
        StatementDef def = failed.statement;
        if (def == null || (failed.kind != Kind.BIND && failed.kind != Kind.DESCRIBE)) return;
        backend.get().statements().stale(def.name());
        def.invalidate(failed.generation);
        // This client has just been told; its next use (a retry, or a fresh Parse) must not be told again.
        ClientStatement mine = statements.get(failed.name);
        if (mine != null && mine.def() == def) statements.seen(failed.name, mine.current());
    }
}
