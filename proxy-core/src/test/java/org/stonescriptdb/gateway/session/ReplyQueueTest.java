package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.session.Expected.Kind;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The expected-reply queue fed the backend's replies to typical batches, without a backend or a channel. */
class ReplyQueueTest {

    private static final ByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);
    private final ReplyQueue queue = new ReplyQueue();

    /** Parse/Bind/Describe/Execute/Sync, as pgjdbc sends a query with the extended protocol. */
    private void extendedBatch() {
        queue.add(Expected.parse(Kind.PARSE, null, 0));
        queue.add(Expected.of(Kind.BIND));
        queue.add(Expected.of(Kind.DESCRIBE));
        queue.add(Expected.of(Kind.EXECUTE));
        queue.add(Expected.of(Kind.SYNC));
    }

    @Test
    void anExtendedBatchIsAnsweredInOrderAndEndsAtItsReadyForQuery() {
        extendedBatch();

        for (byte reply : new byte[]{BackendType.PARSE_COMPLETE, BackendType.BIND_COMPLETE, BackendType.ROW_DESCRIPTION,
                BackendType.DATA_ROW, BackendType.DATA_ROW, BackendType.COMMAND_COMPLETE}) {
            queue.account(reply, "db");
        }

        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.headIs(Kind.SYNC)).isTrue();
        queue.popThroughReady();
        assertThat(queue.isEmpty()).isTrue();
    }

    /** A CommandComplete inside a simple Query's replies does not end it: only its ReadyForQuery does. */
    @Test
    void aSimpleQueryWaitsForItsReadyForQuery() {
        queue.add(Expected.of(Kind.QUERY));

        queue.account(BackendType.ROW_DESCRIPTION, "db");
        queue.account(BackendType.COMMAND_COMPLETE, "db");
        queue.account(BackendType.EMPTY_QUERY_RESPONSE, "db");

        assertThat(queue.headIs(Kind.QUERY)).isTrue();
        queue.popThroughReady();
        assertThat(queue.isEmpty()).isTrue();
    }

    /** Describe of a statement answers ParameterDescription then RowDescription (or NoData): the latter ends it. */
    @Test
    void aDescribeEndsAtItsRowDescriptionOrNoData() {
        queue.add(Expected.of(Kind.DESCRIBE));
        queue.add(Expected.of(Kind.DESCRIBE));

        queue.account(BackendType.PARAMETER_DESCRIPTION, "db");
        assertThat(queue.size()).isEqualTo(2);
        queue.account(BackendType.ROW_DESCRIPTION, "db");
        queue.account(BackendType.PARAMETER_DESCRIPTION, "db");
        queue.account(BackendType.NO_DATA, "db");

        assertThat(queue.isEmpty()).isTrue();
    }

    /** After an error the server skips to the Sync: the entries before it go unanswered, the Sync stays. */
    @Test
    void anErrorDropsTheRestOfTheBatchUpToItsSync() {
        extendedBatch();
        queue.account(BackendType.PARSE_COMPLETE, "db");
        List<Kind> dropped = new ArrayList<>();

        boolean syncQueued = queue.dropUntilSync(e -> dropped.add(e.kind));

        assertThat(syncQueued).isTrue();
        assertThat(dropped).containsExactly(Kind.BIND, Kind.DESCRIBE, Kind.EXECUTE);
        assertThat(queue.headIs(Kind.SYNC)).isTrue();
    }

    /** A batch sent without its Sync yet (pgjdbc's fetch-size batches, a Flush): the skipping outlasts the queue. */
    @Test
    void anErrorWithNoSyncQueuedSaysSo() {
        queue.add(Expected.of(Kind.BIND));
        queue.add(Expected.of(Kind.EXECUTE));

        assertThat(queue.dropUntilSync(e -> { })).isFalse();
        assertThat(queue.isEmpty()).isTrue();
    }

    /** The gateway's own replies go out only when everything before them has been answered, in order. */
    @Test
    void syntheticRepliesWaitForWhatIsAheadOfThem() {
        queue.add(Expected.parse(Kind.PARSE_HIDDEN, null, 0));
        queue.add(Expected.synthetic(FrontendMessages.parseComplete(ALLOC)));
        queue.add(Expected.synthetic(ServerMessages.readyForQuery(ALLOC, TransactionStatus.IDLE)));
        List<Byte> sent = new ArrayList<>();
        assertThat(queue.needsEveryReply()).isTrue();

        assertThat(queue.sendDueSynthetic(b -> sent.add(typeOf(b)))).isFalse();
        assertThat(sent).isEmpty();
        queue.pop(); // the hidden Parse was answered
        boolean ready = queue.sendDueSynthetic(b -> sent.add(typeOf(b)));

        assertThat(ready).isTrue();
        assertThat(sent).containsExactly(BackendType.PARSE_COMPLETE, BackendType.READY_FOR_QUERY);
        assertThat(queue.needsEveryReply()).isFalse();
    }

    /** Clearing frees the gateway's held replies and counts the ReadyForQuery the client still waits for. */
    @Test
    void clearingFreesHeldRepliesAndCountsTheClientsReadies() {
        ByteBuf held = FrontendMessages.parseComplete(ALLOC);
        queue.add(Expected.of(Kind.QUERY));
        queue.add(Expected.synthetic(held));
        queue.add(Expected.of(Kind.EXECUTE));
        queue.add(Expected.of(Kind.SYNC));

        assertThat(queue.clear()).isEqualTo(2);
        assertThat(held.refCnt()).isZero();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.needsEveryReply()).isFalse();
    }

    /** Replies left over before a ReadyForQuery (skipped after an error) are discarded with it. */
    @Test
    void aReadyForQueryDiscardsWhatWasSkippedBeforeIt() {
        ByteBuf held = FrontendMessages.closeComplete(ALLOC);
        queue.add(Expected.synthetic(held));
        queue.add(Expected.of(Kind.SYNC));
        queue.add(Expected.of(Kind.QUERY));

        queue.popThroughReady();

        assertThat(held.refCnt()).isZero();
        assertThat(queue.headIs(Kind.QUERY)).isTrue();
    }

    private static byte typeOf(ByteBuf b) {
        byte type = b.getByte(b.readerIndex());
        b.release();
        return type;
    }

    /**
     * At a CopyInResponse the Syncs right behind the Execute are ones the server ignores: they go, up to the client's
     * CopyDone (its marker goes too); a Sync after it stays, to be answered.
     */
    @Test
    void aCopyInDropsTheSyncsBeforeTheClientsCopyDone() {
        queue.add(Expected.of(Kind.EXECUTE));
        queue.add(Expected.of(Kind.SYNC));
        queue.add(Expected.of(Kind.SYNC));
        queue.add(Expected.of(Kind.COPY_END));
        queue.add(Expected.of(Kind.SYNC));

        assertThat(queue.copyInStarted()).as("copy-in has ended in the client's stream").isFalse();
        assertThat(queue.kinds()).containsExactly(Kind.EXECUTE, Kind.SYNC);
        assertThat(queue.readyDueBehindHead()).isTrue();
    }

    /** With no CopyDone queued yet, every Sync behind the Execute goes, and copy-in goes on in the client's stream. */
    @Test
    void aCopyInBeforeTheClientsCopyDoneGoesOn() {
        queue.add(Expected.of(Kind.EXECUTE));
        queue.add(Expected.of(Kind.SYNC));

        assertThat(queue.copyInStarted()).isTrue();
        assertThat(queue.kinds()).containsExactly(Kind.EXECUTE);
        assertThat(queue.readyDueBehindHead()).isFalse();
    }

    /** A CopyDone marker never heads the queue: with nothing before it, no copy-in can end there. */
    @Test
    void aCopyEndNeverHeadsTheQueue() {
        queue.add(Expected.of(Kind.COPY_END));
        assertThat(queue.isEmpty()).isTrue();

        queue.add(Expected.of(Kind.SYNC));
        queue.add(Expected.of(Kind.COPY_END));
        queue.add(Expected.of(Kind.COPY_END));
        queue.add(Expected.of(Kind.SYNC));
        queue.popThroughReady();
        assertThat(queue.kinds()).containsExactly(Kind.SYNC);
    }
}
