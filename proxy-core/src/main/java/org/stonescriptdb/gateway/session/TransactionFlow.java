package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.pool.BackendStatements;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.pool.PoolTimeoutException;
import org.stonescriptdb.gateway.pool.WritabilityListener;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.util.logging.Logger;

/**
 * Transaction pooling. The client borrows a backend at its first message after an idle ReadyForQuery and gives
 * it back at the ReadyForQuery that answers its last outstanding Sync or Query with status {@code I}.
 *
 * <p>Named prepared statements survive the change of backend: each client name maps to a gateway-wide name
 * per distinct (query, types); a backend that lacks the statement gets the Parse first (its ParseComplete is
 * swallowed), a backend that has it gets no Parse (the client gets a ParseComplete from the gateway), and a
 * client's Close of a statement is answered by the gateway. To put such replies in the right place, the flow
 * keeps the queue of replies it expects ({@link ReplyQueue}).
 *
 * <p>This class holds the lease ({@link Lease}: getting a backend, bringing it in line with the client, giving it
 * back or keeping it a moment) and hands each message on: the client's to {@link ClientRequests}, the backend's to
 * {@link BackendReplies} (or {@link PipelinedHandOver} while a reset pipelined ahead of them is answered).
 *
 * <p>Session state the gateway cannot carry to another backend pins the client to its backend until it
 * disconnects. Reported parameters are replayed instead.
 *
 * <p>Client callbacks run on the client's event loop, backend callbacks on the backend's; both take this
 * object's lock, which is held only for bookkeeping and non-blocking writes.
 */
final class TransactionFlow implements ClientFlow, BackendOwner, WritabilityListener {

    private static final Logger LOG = Logger.getLogger(TransactionFlow.class.getName());

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
    /** Where the client's current batch stands, shared with {@link #requests}. */
    private final BatchState batch = new BatchState();
    /** The client's messages on their way to the backend. */
    private final ClientRequests requests;
    /** {@link #onMessage} is acquiring a backend from within the client's read; {@link #readComplete} will flush. */
    private boolean inClientRead;
    /** The backend's replies on their way to the client. */
    private final BackendReplies replies;
    /** A session reset pipelined ahead of the client's messages, while its replies are due. */
    private final PipelinedHandOver handOver;

    TransactionFlow(ClientSession session) {
        this.session = session;
        this.client = session.client();
        this.alloc = client.alloc();
        this.services = session.services();
        this.linger = new BackendLinger(services.config().linger());
        this.statements = new ClientStatements(services.statements(), services.config().limits().maxStatementsPerClient(),
                services.config().limits().maxStatementBytesPerClient());
        this.requests = new ClientRequests(session, statements, expected, batch, () -> backend);
        this.replies = new BackendReplies(session, statements, expected, batch, () -> backend, () -> {
            drainSynthetic();
            releaseIfDone();
        });
        this.handOver = new PipelinedHandOver(this, session, expected, () -> backend, new PipelinedHandOver.Outcome() {
            @Override
            public void failed() {
                handOverFailed();
            }

            @Override
            public void checked() {
                drainSynthetic();
            }
        });
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
        if (!serving() || !waiting.isEmpty() || batch.skippingUntilSync) return false;
        stopLingering();
        if (type == FrontendType.EXECUTE) {
            expect(Expected.of(Kind.EXECUTE));
            batch.unsynced = true;
            return true;
        }
        if (type == FrontendType.SYNC && batch.restoreAtSync == null) {
            expect(Expected.of(Kind.SYNC));
            batch.unsynced = false;
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
            if (batch.skippingUntilSync) {
                // After an error the server ignores everything up to the Sync; with no backend held, so do we. (A
                // malformed Sync ends the skipping too, and the server's answer to it comes as below.)
                if (type != FrontendType.SYNC) {
                    message.release();
                    return;
                }
                batch.skippingUntilSync = false;
            }
            if (requests.answeredWithoutBackend(type, message)) return;
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
        requests.process(type, message);
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
        onMessage(FrontendType.FLUSH, FrontendMessages.flush(alloc));
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
        BackendHandOver plan = BackendHandOver.plan(b, session, session.parameters()::syncFor,
                b.statements().takeToClose(BackendStatements.DEFAULT_CAPACITY));
        if (plan.isEmpty()) {
            ready();
            return;
        }
        if (plan.reset()) {
            // Not awaited: the reset goes out in the same write as the client's messages, which a check between them
            // keeps from running unless the reset ran whole.
            b.owner(this);
            handOver.start(b, plan);
            ready();
            return;
        }
        moveTo(Lease.PREPARING);
        GatewayQuery.run(b, plan.encode(alloc), plan.replies(), client.eventLoop(), services.config().connectionTimeout())
                .addListener(f -> handedOver(b, plan, f));
    }

    /**
     * The reset failed (a statement_timeout the last client left, a cancel): the backend is closed, and the client's
     * messages sent behind the reset — skipped by the server — are answered with one error, as a failed batch.
     */
    private void handOverFailed() {
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
            requests.process(next.getByte(next.readerIndex()), next);
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
        waiting.answerAllWithError(client, code, message);
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
        if (expected.needsEveryReply() || type == BackendType.ERROR_RESPONSE) return false;
        replies.account(type);
        return true;
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
        if (lease == Lease.LINGERING && type == BackendType.ERROR_RESPONSE) {
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
        if (first != null && first.kind == Kind.HANDOVER) {
            handOver.reply(first, type, message);
        } else if (first != null && first.kind == Kind.HANDOVER_CHECK) {
            handOver.checkReply(type, message);
        } else {
            replies.handle(type, message);
            if (backend != null) drainSynthetic();
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
            failWaiting(SqlState.QUERY_CANCELED, "canceling statement due to user request");
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
        handOver.cancelDeadline();
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
