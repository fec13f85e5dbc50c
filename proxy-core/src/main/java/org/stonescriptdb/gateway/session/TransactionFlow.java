package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.pool.WritabilityListener;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.util.function.Consumer;

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
 * <p>This class hands each message on: the client's to {@link ClientRequests} (or, while no backend serves the client,
 * to the {@link ClientBacklog}), the backend's to {@link BackendReplies} (or {@link PipelinedHandOver} while a reset
 * pipelined ahead of them is answered), a cancel to the server or to the pool, and a disconnect to the lease. The lease
 * itself — getting a backend, bringing it in line with the client, giving it back or keeping it a moment — is
 * {@link BackendLease}'s.
 *
 * <p>Session state the gateway cannot carry to another backend pins the client to its backend until it
 * disconnects. Reported parameters are replayed instead.
 *
 * <p>Client callbacks run on the client's event loop, backend callbacks on the backend's; both take this
 * object's lock, which is held only for bookkeeping and non-blocking writes. The lease's own callbacks take it too.
 */
final class TransactionFlow implements ClientFlow, BackendOwner, WritabilityListener {

    private final ClientSession session;
    private final Channel client;
    private final ByteBufAllocator alloc;
    private final SessionServices services;
    /** The client's named statements: client name → gateway statement, and the generation the client knows. */
    private final ClientStatements statements;

    /** The replies expected from the backend, in order. */
    private final ReplyQueue expected = new ReplyQueue();
    /** Client messages that arrived while no backend was ready for them. */
    private final ClientBacklog waiting = new ClientBacklog();
    /** Where the client's current batch stands, shared with {@link #requests}. */
    private final BatchState batch = new BatchState();
    /** A BEGIN answered without a backend, while it waits for the transaction's first statement ({@link LazyBegin}). */
    private final LazyBegin lazyBegin;
    /** The client's messages on their way to the backend. */
    private final ClientRequests requests;
    /** The backend's replies on their way to the client. */
    private final BackendReplies replies;
    /** A session reset pipelined ahead of the client's messages, while its replies are due. */
    private final PipelinedHandOver handOver;
    /** The client's standing with its backend, and the backend itself. */
    private final BackendLease lease;
    /** Writes a reply the gateway made up to the client (made once: every ReadyForQuery drains such replies). */
    private final Consumer<ByteBuf> toClient;

    TransactionFlow(ClientSession session) {
        this.session = session;
        this.client = session.client();
        this.toClient = reply -> client.write(reply, client.voidPromise());
        this.alloc = client.alloc();
        this.services = session.services();
        this.statements = new ClientStatements(services.statements(), services.config().limits().maxStatementsPerClient(),
                services.config().limits().maxStatementBytesPerClient());
        this.requests = new ClientRequests(session, statements, expected, batch, this::backend);
        this.lazyBegin = new LazyBegin(requests::keepPreparedWithoutBackend);
        this.handOver = new PipelinedHandOver(this, session, expected, this::backend, new PipelinedHandOver.Outcome() {
            @Override
            public void failed() {
                lease.handOverFailed();
            }

            @Override
            public void checked() {
                drainSynthetic();
            }
        });
        this.lease = new BackendLease(this, session, expected, waiting, batch, handOver, lazyBegin, next -> {
            requests.process(next.getByte(next.readerIndex()), next);
            drainSynthetic();
        });
        this.replies = new BackendReplies(session, statements, expected, batch, this::backend, () -> {
            drainSynthetic();
            lease.releaseIfDone();
        });
    }

    /** The backend attached to the client, else null. */
    private BackendConnection backend() {
        return lease.backend();
    }

    @Override
    public BackendConnection currentBackend() {
        return lease.backend();
    }

    @Override
    public synchronized boolean busy() {
        return !expected.isEmpty() || !waiting.isEmpty() || lease.pending();
    }

    // ---- client → backend ----

    @Override
    public synchronized boolean passThrough(byte type) {
        // Only messages that need no rewriting, and only onto an attached backend with nothing queued before them.
        if (!lease.serving() || !waiting.isEmpty() || batch.skippingUntilSync) return false;
        lease.stopLingering();
        if (type == FrontendType.EXECUTE) {
            expect(Expected.of(Kind.EXECUTE));
            batch.unsynced = true;
            return true;
        }
        if (type == FrontendType.SYNC && batch.restoreAtSync == null && !batch.copyingIn) {
            expect(Expected.of(Kind.SYNC));
            batch.unsynced = false;
            return true;
        }
        return false;
    }

    @Override
    public synchronized boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
        if (!lease.serving() || !waiting.isEmpty() || batch.skippingUntilSync || !requests.passesUnread(type, in, at, total)) return false;
        lease.stopLingering();
        return true;
    }

    @Override
    public synchronized void forward(ByteBuf run) {
        // Pass-through messages always leave an expected reply, so the backend cannot have been released.
        BackendConnection backend = backend();
        if (backend == null) {
            run.release();
            return;
        }
        backend.channel().write(run, backend.channel().voidPromise());
    }

    @Override
    public synchronized void onMessage(byte type, ByteBuf message) {
        if (lease.state() == Lease.CLOSED) {
            message.release();
            return;
        }
        lease.stopLingering();
        if (lease.state() == Lease.IDLE && waiting.isEmpty()) {
            if (batch.skippingUntilSync) {
                // After an error the server ignores everything up to the Sync; with no backend held, so do we. (A
                // malformed Sync ends the skipping too, and the server's answer to it comes as below.)
                if (type != FrontendType.SYNC) {
                    message.release();
                    return;
                }
                batch.skippingUntilSync = false;
            }
            if (lazyBegin.answers(type, message, client)) return;
            java.util.List<ByteBuf> collected = lazyBegin.takeCollected();
            if (!collected.isEmpty()) {
                // An extended batch that began like a BEGIN the gateway answers, and turned out otherwise: to a backend, as sent.
                collected.forEach(waiting::add);
            } else if (!lazyBegin.active() && requests.answeredWithoutBackend(type, message)) {
                // (While a BEGIN waits to go out, a Sync answered here would say the client is idle: it goes to a backend.)
                return;
            }
            lease.nextTransaction();
        }
        if (lease.state() != Lease.ATTACHED || !waiting.isEmpty()) {
            if (waiting.add(message)) client.config().setAutoRead(false); // resumed in BackendLease's ready/failWaiting
            if (lease.state() == Lease.IDLE) lease.acquire(); // served at once, readComplete flushes what follows
            return;
        }
        requests.process(type, message);
        drainSynthetic();
    }

    @Override
    public synchronized void readComplete() {
        if (lease.serving()) {
            Channel backend = backend().channel();
            backend.flush();
            BackPressure.pauseWhileFull(client, backend);
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
        BackendConnection backend = backend();
        if (backend != null && writable) backend.channel().config().setAutoRead(true);
    }

    private void expect(Expected e) {
        expected.add(e);
    }

    /**
     * Sends the gateway's own replies that are now due: those with nothing unanswered before them. When one of
     * them is a ReadyForQuery (a DEALLOCATE the gateway answered), the transaction may be over.
     */
    private void drainSynthetic() {
        if (expected.sendDueSynthetic(toClient)) lease.releaseIfDone();
    }

    // ---- backend → client ----

    @Override
    public synchronized boolean passBackendThrough(byte type) {
        // An error and a ParameterStatus are always read whole (the client's view of its settings is kept from them).
        if (expected.needsEveryReply() || type == BackendType.ERROR_RESPONSE || type == BackendType.PARAMETER_STATUS) return false;
        replies.account(type);
        return true;
    }

    @Override
    public synchronized void onBackendData(BackendConnection connection, ByteBuf data) {
        client.write(data, client.voidPromise());
    }

    /** A ReadyForQuery with nothing of the gateway's own queued before it (no hand-over, restore or hidden reply). */
    @Override
    public synchronized boolean passReadyThrough(BackendConnection connection) {
        return connection == backend() && lease.state() == Lease.ATTACHED && !expected.needsEveryReply();
    }

    @Override
    public synchronized void readyPassedThrough(BackendConnection connection) {
        if (connection != backend()) return;
        replies.readyPassedThrough();
        // Nothing synthetic was queued when the ReadyForQuery was let through, but a client read on another loop may
        // have queued a reply since, now due behind it.
        if (backend() != null) drainSynthetic();
    }

    @Override
    public synchronized void onBackendMessage(BackendConnection connection, byte type, ByteBuf message) {
        if (connection != backend()) {
            message.release();
            return;
        }
        if (lease.state() == Lease.LINGERING && type == BackendType.ERROR_RESPONSE) {
            // Kept between transactions, the backend failed (was terminated, say): nothing of the client's was on it.
            message.release();
            lease.dropLingering();
            return;
        }
        Expected first = expected.peek();
        if (first != null && first.kind == Kind.HANDOVER) {
            handOver.reply(first, type, message);
        } else if (first != null && first.kind == Kind.HANDOVER_CHECK) {
            handOver.checkReply(type, message);
        } else {
            replies.handle(type, message);
            if (backend() != null) drainSynthetic();
        }
    }

    @Override
    public synchronized void onBackendReadComplete(BackendConnection connection) {
        client.flush();
        if (client.isActive() && backend() == connection) BackPressure.pauseWhileFull(connection.channel(), client);
    }

    @Override
    public synchronized void onBackendClosed(BackendConnection connection) {
        if (backend() != connection) return;
        if (lease.backendClosed()) return; // kept between transactions, so idle: nothing of the client's was lost with it
        expected.clear();
        // The backend's FATAL (if it sent one) has reached the client; its session cannot go on without the backend's state.
        if (client.isActive()) session.sendFatal(SqlState.CONNECTION_FAILURE, "the connection to the database server was lost");
    }

    // ---- cancel and disconnect ----

    @Override
    public synchronized void cancel(Runnable done) {
        if (lease.cancelAcquiring()) { // the query has not reached a server yet: cancelled here, as the server would have
            done.run();
            return;
        }
        BackendConnection b = backend();
        if (b != null && !expected.isEmpty() && b.owner() == this) services.connector().cancel(client.eventLoop(), b, done);
        else done.run();
    }

    @Override
    public synchronized void clientClosed() {
        if (lease.state() == Lease.CLOSED) return;
        statements.clear(); // the registry forgets what no client holds any more
        lazyBegin.releaseCollected();
        lease.clientGone();
    }
}
