package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The replies the transaction flow waits for from its backend, in the order the backend will send them ({@link Expected}).
 * Knows how each backend message moves the queue along; what to do with the message itself is the flow's business.
 * Not thread-safe: the flow's lock guards it.
 */
final class ReplyQueue {

    private final ArrayDeque<Expected> entries = new ArrayDeque<>();
    /** Entries of a special kind (hidden, synthetic, restore, hand-over): while there are any, replies are read whole. */
    private int specialEntries;

    void add(Expected e) {
        // A COPY_END never heads the queue: with nothing before it, nothing can start the copy-in it would end.
        if (e.kind == Kind.COPY_END && entries.isEmpty()) return;
        entries.addLast(e);
        if (e.kind.special()) specialEntries++;
    }

    Expected peek() {
        return entries.peekFirst();
    }

    /** The head, removed; null when empty. */
    Expected pop() {
        Expected e = entries.pollFirst();
        if (e != null && e.kind.special()) specialEntries--;
        while (headIs(Kind.COPY_END)) entries.pollFirst(); // what could have started its copy-in is answered
        return e;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    /** Whether every backend reply must be read whole and looked at (something special is pending). */
    boolean needsEveryReply() {
        return specialEntries > 0;
    }

    /** Whether the head is of {@code kind}. */
    boolean headIs(Kind kind) {
        Expected head = entries.peekFirst();
        return head != null && head.kind == kind;
    }

    /**
     * Moves the queue along for a backend message that needs no special handling: ParseComplete, BindComplete,
     * CloseComplete and NoData answer their entry; RowDescription answers a Describe; CommandComplete,
     * PortalSuspended and EmptyQueryResponse end an Execute. Anything else (rows, notices, the replies inside a simple
     * Query up to its ReadyForQuery) leaves the queue as it is.
     *
     * @param database a ParseComplete marks its statement accepted there
     */
    void account(byte type, String database) {
        Expected head = entries.peekFirst();
        if (head == null) return;
        switch (type) {
            case BackendType.PARSE_COMPLETE -> {
                pop();
                if (head.statement != null) head.statement.accepted(database);
            }
            case BackendType.BIND_COMPLETE, BackendType.CLOSE_COMPLETE, BackendType.NO_DATA -> pop();
            case BackendType.ROW_DESCRIPTION -> {
                if (head.kind == Kind.DESCRIBE) pop();
            }
            case BackendType.COMMAND_COMPLETE, BackendType.PORTAL_SUSPENDED, BackendType.EMPTY_QUERY_RESPONSE -> {
                if (head.kind == Kind.EXECUTE) pop();
            }
            default -> { }
        }
    }

    /**
     * At a CopyInResponse: the Execute or Query at the head has put the server in copy-in mode, where it ignores Sync
     * (and Flush) until the client's CopyDone or CopyFail — PostgreSQL answers Parse/Bind/Execute/Sync, data, CopyDone,
     * Sync with one ReadyForQuery. The Syncs queued right behind the head are such: they go. The client's CopyDone or
     * CopyFail queued behind them (its {@link Kind#COPY_END}), or any other message, ends copy-in there in the client's
     * stream (any other message ends it on the server with an error).
     *
     * @return whether copy-in has not ended yet in what the client sent: its Syncs until its CopyDone or CopyFail are
     *     ignored by the server too
     */
    boolean copyInStarted() {
        Iterator<Expected> it = entries.iterator();
        if (!it.hasNext()) return false;
        it.next(); // the Execute or Query copying in
        while (it.hasNext()) {
            Expected x = it.next();
            if (x.kind != Kind.SYNC && x.kind != Kind.COPY_END) return false;
            it.remove();
            if (x.kind == Kind.COPY_END) return false;
        }
        return true;
    }

    /** Whether a ReadyForQuery is due for something behind the head (a Sync or a Query is queued after it). */
    boolean readyDueBehindHead() {
        Iterator<Expected> it = entries.iterator();
        if (it.hasNext()) it.next();
        while (it.hasNext()) {
            Kind k = it.next().kind;
            if (k == Kind.SYNC || k == Kind.QUERY) return true;
        }
        return false;
    }

    /** The kinds queued, head first (for tests and diagnostics). */
    List<Kind> kinds() {
        return entries.stream().map(e -> e.kind).toList();
    }

    /**
     * At a ReadyForQuery: everything up to the Sync or Query it answers is done (entries still before it were skipped
     * after an error and are discarded).
     */
    void popThroughReady() {
        Expected e;
        while ((e = pop()) != null && e.kind != Kind.SYNC && e.kind != Kind.QUERY) e.discard();
    }

    /**
     * After an error in an extended-protocol batch the server skips everything up to the next Sync: those entries go,
     * each handed to {@code unanswered} (which frees what it holds).
     *
     * @return whether a Sync is queued (the skipping ends there); false means it ends at a Sync the client is yet to send
     */
    boolean dropUntilSync(Consumer<Expected> unanswered) {
        for (Iterator<Expected> it = entries.iterator(); it.hasNext(); ) {
            Expected x = it.next();
            if (x.kind == Kind.SYNC) return true;
            it.remove();
            if (x.kind.special()) specialEntries--;
            unanswered.accept(x);
        }
        return false;
    }

    /**
     * Sends the gateway's own replies that are now due — those with nothing unanswered before them — to {@code client}.
     *
     * @return whether one of them was a ReadyForQuery (a statement the gateway answered whole: the transaction may be over)
     */
    boolean sendDueSynthetic(Consumer<ByteBuf> client) {
        boolean ready = false;
        Expected head;
        while ((head = entries.peekFirst()) != null && head.kind == Kind.SYNTHETIC) {
            pop();
            ByteBuf reply = head.reply;
            head.reply = null;
            ready |= reply.getByte(reply.readerIndex()) == BackendType.READY_FOR_QUERY;
            client.accept(reply);
        }
        return ready;
    }

    /**
     * Empties the queue, freeing what the entries hold.
     *
     * @return how many ReadyForQuery the client was waiting for (its Syncs and Queries among them)
     */
    int clear() {
        int readies = 0;
        Expected e;
        while ((e = pop()) != null) {
            if (e.kind == Kind.SYNC || e.kind == Kind.QUERY) readies++;
            e.discard();
        }
        return readies;
    }
}
