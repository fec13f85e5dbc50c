package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A session reset sent ahead of the client's first messages on a backend, not awaited: the reset
 * ({@code BackendHandOver#encodePipelined}) goes out in the same write as the client's messages, which never run unless
 * the reset ran whole — a lone DISCARD ALL shares their batch, so its failure makes the server skip them; any other reset
 * is a batch of its own with a check behind it that fails if it did not run. Swallows the replies; a reset that hangs is
 * cancelled, then its backend closed. Runs under the flow's lock ({@code lock}), which its deadline also takes.
 */
final class PipelinedHandOver {

    private static final Logger LOG = Logger.getLogger(PipelinedHandOver.class.getName());
    /** A reset held up by a lock is something clients can make happen over and over: logged at most once a minute. */
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, Duration.ofMinutes(1));
    /** The statement a pipelined reset prepares last, so the check behind it knows the reset ran whole (per process). */
    private static final String RESET_MARKER = "_ssg_reset_" + randomHex();

    /** What the hand-over needs of the flow it serves. */
    interface Outcome {
        /** The reset (or its check) failed: nothing the client sent behind it ran. */
        void failed();

        /** The check passed: the gateway's replies queued behind it may go out. */
        void checked();
    }

    private final ClientSession session;
    private final Channel client;
    private final SessionServices services;
    private final ReplyQueue expected;
    private final Supplier<BackendConnection> backend;
    private final Outcome outcome;
    /** The hand-over being answered. */
    private BackendHandOver pending;
    /** CONNECTION_TIMEOUT_SECS from the start of the hand-over being answered ({@link #overdue}). */
    private final LazyDeadline deadline;
    /** The pending hand-over ran past its deadline and was cancelled. */
    private boolean cancelled;

    PipelinedHandOver(Object lock, ClientSession session, ReplyQueue expected, Supplier<BackendConnection> backend, Outcome outcome) {
        this.session = session;
        this.client = session.client();
        this.services = session.services();
        this.expected = expected;
        this.backend = backend;
        this.outcome = outcome;
        this.deadline = new LazyDeadline(lock, client.eventLoop(), services.config().connectionTimeout().toNanos(), this::overdue);
    }

    private static String randomHex() {
        byte[] b = new byte[6];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /** Sends the reset (and its check) to {@code b}, expecting their replies before anything the client sends next. */
    void start(BackendConnection b, BackendHandOver handOver) {
        services.counters().sessionReset(handOver.discardAll());
        pending = handOver;
        cancelled = false;
        Expected answer = Expected.handOver();
        expected.add(answer);
        if (!handOver.unsynced()) expected.add(Expected.of(Kind.HANDOVER_CHECK));
        b.channel().write(handOver.encodePipelined(client.alloc(), RESET_MARKER), b.channel().voidPromise());
        // A reset that hangs (a lock another session holds on a temporary table the last client left) fails closed.
        deadline.start();
    }

    /**
     * A reply to the reset: swallowed (the backend records ParameterStatus itself). At its end — its ReadyForQuery, or
     * for an {@link BackendHandOver#unsynced} reset its CommandComplete or error — if any part failed, the flow is told
     * ({@link Outcome#failed}); else the client's settings are in effect there, and an unsynced reset, which has no
     * check behind it, is done ({@link Outcome#checked}).
     */
    void reply(Expected answer, byte type, ByteBuf message) {
        if (type == BackendType.ERROR_RESPONSE) {
            ErrorFields e = ErrorFields.decodeMessage(message);
            LOG.fine(() -> "the hand-over of " + backend.get() + " failed: " + e);
            answer.failed = true;
        }
        message.release();
        boolean unsynced = pending.unsynced();
        boolean end = unsynced ? type == BackendType.COMMAND_COMPLETE || type == BackendType.ERROR_RESPONSE
                : type == BackendType.READY_FOR_QUERY;
        if (!end) return;
        expected.pop();
        cancelDeadline();
        BackendHandOver done = pending;
        pending = null;
        if (answer.failed) {
            outcome.failed();
            return;
        }
        session.parameters().synced(backend.get(), done.sync());
        if (unsynced) outcome.checked();
    }

    /** ParameterDescription, RowDescription and CloseComplete of the reset check; an error means the reset did not run. */
    void checkReply(byte type, ByteBuf message) {
        if (type == BackendType.ERROR_RESPONSE) {
            ErrorFields e = ErrorFields.decodeMessage(message);
            LOG.fine(() -> "the reset check on " + backend.get() + " failed: " + e);
        }
        message.release();
        if (type == BackendType.ERROR_RESPONSE) {
            outcome.failed();
        } else if (type == BackendType.CLOSE_COMPLETE) {
            expected.pop();
            outcome.checked();
        }
    }

    void cancelDeadline() {
        deadline.stop();
    }

    /** The client left: nothing of the deadline stays scheduled. */
    void close() {
        deadline.cancel();
    }

    /**
     * The reset has not finished within CONNECTION_TIMEOUT_SECS (it waits for a lock another session holds on a
     * temporary table the last client left, say). It is cancelled, and the server's answer still decides: the cancelled
     * reset fails, the check behind it skips the client's messages, and {@link #reply} tells the flow nothing ran; a
     * reset that finished just before the cancel lets them run as usual. Closing the connection instead would not do:
     * the server would go on to the client's messages, already in its buffer, once the lock was free. A server that
     * answers nothing for another CONNECTION_TIMEOUT_SECS is closed, and the client learns the connection was lost.
     */
    private void overdue() {
        // (Under the lock, as the deadline runs it.) Answered meanwhile, or the client left (its queue was cleared):
        // the deadline would have been stopped; the head is checked all the same.
        Expected head = expected.peek();
        if (pending == null || head == null || head.kind != Kind.HANDOVER) return;
        BackendConnection b = backend.get();
        if (!cancelled) {
            THROTTLED.log(Level.WARNING, "reset overdue", "a session reset on " + b + " did not finish within "
                    + services.config().connectionTimeout().toMillis() + " ms; cancelling it");
            cancelled = true;
            services.connector().cancel(client.eventLoop(), b, () -> { });
            deadline.start();
            return;
        }
        THROTTLED.log(Level.WARNING, "reset unanswered", "a cancelled session reset on " + b + " was not answered either; closing that backend");
        b.close();
    }
}
