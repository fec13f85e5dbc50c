package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.pool.BackendStatements;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.protocol.TransactionStatus;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * A transaction-pooled client's lease on a backend ({@link Lease}): getting one from the pool, bringing it in line with
 * the client (a hand-over awaited, or a reset pipelined ahead of the client's messages), giving it back when the
 * transaction is over or keeping it a moment ({@link BackendLinger}), and letting it go when it or the client is gone.
 * The only place the lease's state changes ({@link #moveTo}).
 *
 * <p>Part of its {@link TransactionFlow}, which hands the messages on: it runs under the flow's lock, and its own
 * callbacks (the pool's answer, the end of a hand-over, the end of a linger) take that lock too — one lock for the
 * client's whole standing, so a message and a lease change never interleave.
 */
final class BackendLease {

    private static final Logger LOG = Logger.getLogger(BackendLease.class.getName());

    /** The flow this lease serves: the attached backend's owner, and the lock everything here runs under. */
    private final BackendOwner flow;
    private final ClientSession session;
    /** This session's platform's transaction counter, looked up once. */
    private final LongAdder platformTransactions;
    private final Channel client;
    private final ByteBufAllocator alloc;
    private final SessionServices services;
    /** The replies expected from the backend, shared with the flow: a lease ends only once they are all in. */
    private final ReplyQueue expected;
    /** The client's messages waiting for a backend, shared with the flow, which adds them. */
    private final ClientBacklog waiting;
    /** Where the client's batch stands, shared with the flow: an open batch or a pin keeps the backend. */
    private final BatchState batch;
    private final PipelinedHandOver handOver;
    /** Sends a message that waited for the backend on to it, once it serves the client (as the flow would have). */
    private final Consumer<ByteBuf> replay;
    private final BackendLinger linger;
    /** A BEGIN the gateway answered, to go in front of the transaction's first statement. */
    private final LazyBegin lazyBegin;

    /** The client's standing with its backend; changed only by {@link #moveTo}. */
    private Lease state = Lease.IDLE;
    private BackendConnection backend;
    /** The pool's answer while {@link Lease#ACQUIRING}. */
    private Future<BackendConnection> acquiring;
    /** {@link #acquire} is under way from within the client's read, whose end flushes ({@code readComplete}). */
    private boolean inClientRead;
    /** {@link #lingerOver()} as the linger's task, made once rather than at every linger. */
    private final Runnable lingerOver = this::lingerOver;
    /** The pool's answer, when it is not there at once; one listener for every acquire. */
    private final GenericFutureListener<Future<? super BackendConnection>> onAcquired = this::acquired;

    BackendLease(BackendOwner flow, ClientSession session, ReplyQueue expected, ClientBacklog waiting, BatchState batch,
                 PipelinedHandOver handOver, LazyBegin lazyBegin, Consumer<ByteBuf> replay) {
        this.flow = flow;
        this.session = session;
        this.client = session.client();
        this.alloc = client.alloc();
        this.services = session.services();
        this.platformTransactions = services.counters().platformTransactions(session.database());
        this.expected = expected;
        this.waiting = waiting;
        this.batch = batch;
        this.handOver = handOver;
        this.replay = replay;
        this.lazyBegin = lazyBegin;
        this.linger = new BackendLinger(services.config().linger());
    }

    private void moveTo(Lease next) {
        assert state == next || state.mayMoveTo(next) : state + " → " + next;
        state = next;
    }

    Lease state() {
        return state;
    }

    /** The backend attached (or being brought in line), else null. */
    BackendConnection backend() {
        return backend;
    }

    /** The attached backend takes the client's messages now (it may be kept between transactions). */
    boolean serving() {
        return state == Lease.ATTACHED || state == Lease.LINGERING;
    }

    /** A backend is on its way (asked of the pool, or being brought in line): the client's messages wait for it. */
    boolean pending() {
        return state == Lease.ACQUIRING || state == Lease.PREPARING;
    }

    /** The client's first message after an idle ReadyForQuery: for {@link BackendLinger}, did it come back in time? */
    void nextTransaction() {
        linger.nextTransaction(System.nanoTime());
    }

    // ---- getting a backend ----

    /**
     * Asks the pool for a backend, from within the client's read. Served at once, the rest of this read (Bind…Sync
     * after a Parse) joins the same write: {@code readComplete} flushes.
     */
    void acquire() {
        inClientRead = true;
        try {
            Future<BackendConnection> f = services.pools().acquire(session.database(), client.eventLoop(), session.parameters().applicationName(), session);
            acquiring = f;
            moveTo(Lease.ACQUIRING); // before the answer is taken, which is at once when a backend is idle
            if (f.isDone()) acquired(f); // as a listener would run now, without registering one
            else f.addListener(onAcquired);
        } finally {
            inClientRead = false;
        }
    }

    private void acquired(Future<? super BackendConnection> done) {
        if (done.isCancelled()) return;
        if (done.isSuccess()) attach((BackendConnection) done.getNow());
        else acquireFailed(done.cause());
    }

    private void attach(BackendConnection b) {
        synchronized (flow) {
            if (state != Lease.ACQUIRING) {
                // The client left, or its request was cancelled while the backend was on its way.
                services.pools().release(b);
                return;
            }
            acquiring = null;
            backend = b;
            services.counters().transactionStarted();
            platformTransactions.increment();
            BackendHandOver plan = BackendHandOver.plan(b, session, session.parameters()::syncFor,
                    b.statements().takeToClose(BackendStatements.DEFAULT_CAPACITY));
            String begin = lazyBegin.deferred();
            if (begin != null) {
                beginFirst(b, plan, begin);
                return;
            }
            if (plan.isEmpty()) {
                ready();
                return;
            }
            if (plan.reset()) {
                // Not awaited: the reset goes out in the same write as the client's messages, which a check between them
                // keeps from running unless the reset ran whole.
                b.owner(flow);
                handOver.start(b, plan);
                ready();
                return;
            }
            moveTo(Lease.PREPARING);
            GatewayQuery.run(b, plan.encode(alloc), plan.replies(), client.eventLoop(), services.config().connectionTimeout())
                    .addListener(f -> handedOver(b, plan, f));
        }
    }

    /**
     * A BEGIN the gateway answered goes in front of the client's first statement, behind the hand-over, and both are
     * awaited: only once the backend is in the client's transaction may the statement follow (sent behind a BEGIN that
     * then failed, it would run outside any transaction).
     */
    private void beginFirst(BackendConnection b, BackendHandOver plan, String begin) {
        moveTo(Lease.PREPARING);
        if (plan.reset()) services.counters().sessionReset(plan.discardAll());
        GatewayQuery.run(b, plan.encodeThenBegin(alloc, begin), plan.replies() + 1, client.eventLoop(), services.config().connectionTimeout())
                .addListener(f -> handedOver(b, plan, f));
    }

    /**
     * The reset failed (a statement_timeout the last client left, a cancel): the backend is closed, and the client's
     * messages sent behind the reset — skipped by the server — are answered with one error, as a failed batch.
     */
    void handOverFailed() {
        handOver.cancelDeadline();
        BackendConnection b = backend;
        backend = null;
        moveTo(Lease.IDLE);
        int readies = expected.clear();
        batch.abandoned();
        // With no Sync sent yet, the client's batch is still open: it ends at the client's Sync, answered then.
        batch.skippingUntilSync = readies == 0;
        if (b != null) {
            b.owner(null);
            services.pools().discard(b);
        }
        LOG.fine(() -> "session reset failed on " + b + "; the client's request was not run");
        client.write(ServerMessages.error(alloc, "ERROR", SqlState.CONNECTION_FAILURE, "the gateway could not reset a backend"
                + " connection for this request (a setting the previous client left made the reset fail); nothing of it ran: try again"),
                client.voidPromise());
        for (int i = 0; i < readies; i++) client.write(ServerMessages.readyForQuery(alloc, TransactionStatus.IDLE), client.voidPromise());
        client.flush();
    }

    private void handedOver(BackendConnection b, BackendHandOver plan, Future<?> f) {
        synchronized (flow) {
            if (state != Lease.PREPARING || backend != b) {
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
            session.parameters().synced(b, plan.sync());
            lazyBegin.ran();
            ready();
        }
    }

    /** The backend serves this client now: replay what the client sent meanwhile. */
    private void ready() {
        moveTo(Lease.ATTACHED);
        backend.owner(flow);
        // Nothing to do (the messages it was fetched for were answered meanwhile, e.g. cancelled): give it back.
        boolean fetchedForNothing = waiting.isEmpty();
        while (!waiting.isEmpty() && state == Lease.ATTACHED) replay.accept(waiting.take());
        if (fetchedForNothing) releaseIfDone();
        if (!inClientRead) {
            if (backend != null) backend.channel().flush();
            client.flush();
        }
        client.config().setAutoRead(true);
    }

    private void acquireFailed(Throwable cause) {
        synchronized (flow) {
            if (state != Lease.ACQUIRING) return; // cancelled (and answered) or the client left
            acquiring = null;
            moveTo(Lease.IDLE);
            failWaiting(cause);
        }
    }

    /**
     * The client cancels while its backend is still being asked for: the query has not reached a server yet, so it is
     * cancelled here, as the server would have. False if there is nothing to cancel here.
     */
    boolean cancelAcquiring() {
        if (state != Lease.ACQUIRING || waiting.isEmpty()) return false;
        Future<BackendConnection> pending = acquiring;
        acquiring = null;
        moveTo(Lease.IDLE);
        pending.cancel(false);
        failWaiting(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        return true;
    }

    /**
     * No backend for the waiting messages: the client gets an ErrorResponse (not FATAL: its session survives)
     * and a ReadyForQuery for each Sync or Query it sent, as if the server had failed the batch.
     */
    private void failWaiting(Throwable cause) {
        BackendUnavailable answer = BackendUnavailable.of(cause);
        failWaiting(answer.code(), answer.message());
    }

    private void failWaiting(String code, String message) {
        lazyBegin.failed(); // a BEGIN the gateway answered: the client's transaction has failed, as it would on the server
        waiting.answerAllWithError(client, code, message, lazyBegin.status());
        client.flush();
        client.config().setAutoRead(true);
    }

    // ---- giving it back, or keeping it a moment ----

    /** At a ReadyForQuery with nothing outstanding: give the backend back unless the client is pinned to it. */
    void releaseIfDone() {
        if (state != Lease.ATTACHED || !releasable()) return;
        if (services.config().sessionReset() && linger.keep(System.nanoTime())) {
            client.flush();
            moveTo(Lease.LINGERING);
            linger.started(client.eventLoop(), lingerOver, services.config().linger().window().toNanos());
            return;
        }
        giveBack();
    }

    /** Whether the backend is attached with nothing outstanding and nothing that ties the client to it. */
    private boolean releasable() {
        return serving() && expected.isEmpty() && waiting.isEmpty() && !batch.unsynced && !batch.pinned()
                && backend.transactionStatus() == TransactionStatus.IDLE;
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
    private void lingerOver() {
        synchronized (flow) {
            if (state != Lease.LINGERING) return;
            moveTo(Lease.ATTACHED);
            linger.expired();
            if (releasable()) giveBack();
        }
    }

    /** The client's next message came while it kept its backend: that transaction runs there, with no hand-over. */
    void stopLingering() {
        if (!cancelLinger()) return;
        linger.nextTransaction(System.nanoTime());
        services.counters().transactionStarted(); // on the backend it kept, with no hand-over
        platformTransactions.increment();
    }

    /** Ends a linger (the backend serves the client again, or is about to go): false if the client was not lingering. */
    private boolean cancelLinger() {
        if (state != Lease.LINGERING) return false;
        linger.stopped();
        moveTo(Lease.ATTACHED);
        return true;
    }

    // ---- losing it ----

    /**
     * The backend failed (was terminated, say) while the client kept it between transactions: as for an idle backend in
     * the pool, it is dropped without a word, and the client's next transaction gets another.
     */
    void dropLingering() {
        BackendConnection b = backend;
        cancelLinger();
        backend = null;
        moveTo(Lease.IDLE);
        services.pools().discard(b);
    }

    /**
     * The backend's connection closed. True if the client was only keeping it between transactions (so nothing of the
     * client's was lost with it); else the client's session cannot go on, which the flow tells it.
     */
    boolean backendClosed() {
        backend = null;
        boolean wasLingering = cancelLinger();
        moveTo(Lease.IDLE);
        return wasLingering;
    }

    /**
     * The client is gone: nothing more happens, and its backend is let go as it stands — reset and given back when
     * clean, drained first when a query still runs there, closed when it cannot be cleaned.
     */
    void clientGone() {
        cancelLinger();
        Lease was = state;
        moveTo(Lease.CLOSED);
        handOver.close();
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
        if (!b.isActive() || batch.unsynced || (batch.pinned() && !batch.pinResettable)) {
            if (busy) services.pools().discardRunning(b); // its query stops now, and its locks go with it
            else services.pools().discard(b);
            return;
        }
        if (busy) {
            BackendDrain.cancelThenRelease(services, b);
            return;
        }
        SessionReset.resetAndRelease(services, b, batch.pinned());
    }
}
