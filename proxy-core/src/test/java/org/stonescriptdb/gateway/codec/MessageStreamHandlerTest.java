package org.stonescriptdb.gateway.codec;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

class MessageStreamHandlerTest {

    private static final int MAX = 1000;
    /** The recorder passes these through; everything else it wants whole. */
    private static final Set<Byte> PASS = Set.of((byte) 'D', (byte) 'T', (byte) 'C', (byte) 'd');

    // ---- what the recorder saw ----

    sealed interface Event {
    }

    record Decided(byte type, int length) implements Event {
    }

    /** A forwarded run; {@code backing}/{@code offset} locate its memory when it is heap-backed. */
    record Run(byte[] bytes, byte[] backing, int offset) implements Event {
    }

    /** A whole message; hex so that records compare by content. */
    record Whole(byte type, String hex) implements Event {
        Whole(byte type, byte[] bytes) {
            this(type, HexFormat.of().formatHex(bytes));
        }

        byte[] bytes() {
            return HexFormat.of().parseHex(hex);
        }
    }

    record Bad(String reason) implements Event {
    }

    static class Recorder extends MessageStreamHandler {
        final List<Event> events = new ArrayList<>();
        final List<ByteBuf> handedOut = new ArrayList<>();

        Recorder() {
            super(MAX);
        }

        Recorder(int max, int maxWhole) {
            super(max, maxWhole);
        }

        @Override
        protected boolean passThrough(byte type, int length) {
            events.add(new Decided(type, length));
            return PASS.contains(type);
        }

        @Override
        protected void forward(ChannelHandlerContext ctx, ByteBuf run) {
            assertThat(run.isReadable()).as("no empty runs").isTrue();
            byte[] backing = run.hasArray() ? run.array() : null;
            int offset = run.hasArray() ? run.arrayOffset() + run.readerIndex() : -1;
            events.add(new Run(ByteBufUtil.getBytes(run), backing, offset));
            handedOut.add(run);
            run.release();
        }

        @Override
        protected void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message) {
            assertEquals(type, message.getByte(message.readerIndex()));
            events.add(new Whole(type, ByteBufUtil.getBytes(message)));
            handedOut.add(message);
            message.release();
        }

        @Override
        protected void onMalformed(ChannelHandlerContext ctx, String reason) {
            events.add(new Bad(reason));
        }

        List<Event> without(Class<? extends Event> kind) {
            return events.stream().filter(e -> !kind.isInstance(e)).toList();
        }
    }

    /** Hands out unpooled buffers and remembers them, so buffers never handed to the recorder are checked too. */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    /** One channel with a recorder, fed pieces; checks everything is released once it is finished. */
    static final class Harness {
        final Recorder recorder;
        final TrackingAllocator alloc = new TrackingAllocator();
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<ByteBuf> inputs = new ArrayList<>();
        final List<byte[]> pieces = new ArrayList<>();

        Harness() {
            this(new Recorder());
        }

        Harness(Recorder recorder) {
            this.recorder = recorder;
            channel.config().setAllocator(alloc);
            channel.pipeline().addLast(recorder);
        }

        Harness feed(byte[] piece) {
            ByteBuf in = Unpooled.wrappedBuffer(piece);
            inputs.add(in);
            pieces.add(piece);
            channel.writeInbound(in);
            return this;
        }

        Harness feedAll(List<byte[]> feeding) {
            feeding.forEach(this::feed);
            return this;
        }

        List<Event> finish() {
            assertFalse(channel.finish());
            for (ByteBuf b : inputs) assertEquals(0, b.refCnt(), "input released");
            for (ByteBuf b : recorder.handedOut) assertEquals(0, b.refCnt(), "handed-out buffer released");
            for (ByteBuf b : alloc.allocated) assertEquals(0, b.refCnt(), "internally allocated buffer released");
            return recorder.events;
        }

        boolean isInput(byte[] array) {
            return pieces.stream().anyMatch(p -> p == array);
        }
    }

    /** Also passes through, on a second look at the whole message, every 'P' of at most {@code maxWhole} bytes. */
    static final class WholeLookingRecorder extends Recorder {
        final List<Integer> looked = new ArrayList<>();

        WholeLookingRecorder(int maxWhole) {
            super(MAX, maxWhole);
        }

        @Override
        protected boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
            assertEquals(type, in.getByte(at));
            assertEquals(total, in.getInt(at + 1) + 1, "the whole message is there");
            looked.add(total);
            return type == 'P';
        }
    }

    // ---- a second look at whole messages ----

    @Test
    void aWantedMessagePassedOnASecondLookJoinsTheRunAroundIt() {
        byte[] stream = concat(msg('P', 20), msg('T', 10), msg('P', 3), msg('S', 0), msg('D', 7));
        WholeLookingRecorder r = new WholeLookingRecorder(MAX);
        List<Event> events = new Harness(r).feed(stream).finish();
        List<Event> out = events.stream().filter(e -> !(e instanceof Decided)).toList();
        assertThat(out).hasSize(3);
        assertArrayEquals(concat(msg('P', 20), msg('T', 10), msg('P', 3)), ((Run) out.get(0)).bytes(), "one run, unread 'P's in it");
        assertSame(stream, ((Run) out.get(0)).backing(), "without a copy");
        assertEquals(new Whole((byte) 'S', msg('S', 0)), out.get(1));
        assertArrayEquals(msg('D', 7), ((Run) out.get(2)).bytes());
        assertThat(r.looked).containsExactly(25, 8, 5); // 'D' passed at its header: no second look
    }

    /** Passes every 'Z' through on a second look and ends the run with it, as the backend's handler does a ReadyForQuery. */
    static final class RunEndingRecorder extends Recorder {
        @Override
        protected boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
            if (type != 'Z') return false;
            endRunAfterThisMessage();
            return true;
        }
    }

    @Test
    void aMessageThatEndsItsRunIsForwardedBeforeTheNextMessageIsLookedAt() {
        byte[] first = concat(msg('T', 10), msg('D', 5), msg('Z', 1));
        byte[] second = concat(msg('D', 7), msg('C', 3), msg('Z', 1));
        byte[] stream = concat(first, second);
        List<Event> events = new Harness(new RunEndingRecorder()).feed(stream).finish();
        assertThat(events).hasSize(8);
        assertArrayEquals(first, ((Run) events.get(3)).bytes(), "the first run ends with its 'Z'");
        assertSame(stream, ((Run) events.get(3)).backing(), "without a copy");
        assertEquals(new Decided((byte) 'D', 11), events.get(4), "the next message is looked at only after the run went");
        assertArrayEquals(second, ((Run) events.get(7)).bytes());
    }

    @Test
    void aRunEndingMessageAtTheEndOfAReadLeavesNoEmptyRunBehind() {
        byte[] stream = msg('Z', 1);
        List<Event> events = new Harness(new RunEndingRecorder()).feed(stream).feed(msg('D', 2)).finish();
        assertThat(events.stream().filter(e -> e instanceof Run).map(e -> ((Run) e).bytes().length).toList()).containsExactly(6, 7);
    }

    @Test
    void aMessageSplitAcrossReadsGetsNoSecondLookAndIsHandedOverWhole() {
        byte[] parse = msg('P', 40);
        WholeLookingRecorder r = new WholeLookingRecorder(MAX);
        List<Event> events = new Harness(r).feed(Arrays.copyOfRange(parse, 0, 20)).feed(Arrays.copyOfRange(parse, 20, 45)).finish();
        assertThat(r.looked).isEmpty();
        assertThat(events.stream().filter(e -> !(e instanceof Decided)).toList()).containsExactly(new Whole((byte) 'P', parse));
    }

    @Test
    void aMessageOverTheWholeLimitGetsNoSecondLookAndIsRefused() {
        WholeLookingRecorder r = new WholeLookingRecorder(50);
        List<Event> events = new Harness(r).feed(msg('P', 60)).finish();
        assertThat(r.looked).isEmpty();
        assertThat(events).last().isInstanceOf(Bad.class);
    }

    // ---- pass-through runs ----

    @Test
    void consecutivePassThroughMessagesAreOneZeroCopyRun() {
        byte[] stream = concat(msg('T', 20), msg('D', 30), msg('D', 0), msg('D', 100), msg('C', 12));
        Harness h = new Harness().feed(stream);
        List<Event> events = h.finish();
        List<Event> runs = events.stream().filter(e -> e instanceof Run).toList();
        assertThat(runs).hasSize(1);
        Run run = (Run) runs.getFirst();
        assertArrayEquals(stream, run.bytes());
        assertSame(stream, run.backing(), "the run shares the input's memory");
        assertEquals(0, run.offset());
        assertThat(events.stream().filter(e -> e instanceof Decided).toList()).containsExactly(
                new Decided((byte) 'T', 24), new Decided((byte) 'D', 34), new Decided((byte) 'D', 4),
                new Decided((byte) 'D', 104), new Decided((byte) 'C', 16));
    }

    @Test
    void passThroughMessageSplitAcrossReadsIsForwardedPieceByPieceWithoutCopy() {
        byte[] row = msg('D', 295); // 300 bytes
        byte[] a = Arrays.copyOfRange(row, 0, 100), b = Arrays.copyOfRange(row, 100, 200), c = Arrays.copyOfRange(row, 200, 300);
        Harness h = new Harness().feed(a);
        assertThat(h.recorder.events).hasSize(2).last().isInstanceOf(Run.class); // forwarded before the rest arrives
        h.feed(b).feed(c);
        List<Event> events = h.finish();
        assertThat(events).hasSize(4);
        assertEquals(new Decided((byte) 'D', 299), events.get(0));
        byte[][] pieces = {a, b, c};
        for (int i = 0; i < 3; i++) {
            Run run = (Run) events.get(i + 1);
            assertArrayEquals(pieces[i], run.bytes());
            assertSame(pieces[i], run.backing());
            assertEquals(0, run.offset());
        }
    }

    @Test
    void runOffsetsPointIntoTheInput() {
        byte[] stream = concat(msg('Z', 1), msg('D', 10), msg('D', 10), msg('S', 3), msg('C', 7));
        Harness h = new Harness().feed(stream);
        List<Event> events = h.finish();
        List<Run> runs = events.stream().filter(e -> e instanceof Run).map(e -> (Run) e).toList();
        assertThat(runs).hasSize(2);
        assertSame(stream, runs.get(0).backing());
        assertEquals(6, runs.get(0).offset());
        assertEquals(30, runs.get(0).bytes().length);
        assertSame(stream, runs.get(1).backing());
        assertEquals(6 + 30 + 8, runs.get(1).offset());
    }

    @Test
    void headerSplitAcrossReadsForEveryHeaderPrefix() {
        byte[] before = msg('D', 7);
        byte[] split = msg('D', 50);
        byte[] after = msg('C', 5);
        for (int k = 1; k <= 4; k++) {
            byte[] first = concat(before, Arrays.copyOfRange(split, 0, k));
            byte[] second = concat(Arrays.copyOfRange(split, k, split.length), after);
            Harness h = new Harness().feed(first).feed(second);
            List<Event> events = h.finish();
            assertThat(events.stream().filter(e -> e instanceof Decided).toList()).as("k=%d", k)
                    .containsExactly(new Decided((byte) 'D', 11), new Decided((byte) 'D', 54), new Decided((byte) 'C', 9));
            assertArrayEquals(concat(before, split, after), concatenated(events), "k=" + k);
            List<Run> runs = events.stream().filter(e -> e instanceof Run).map(e -> (Run) e).toList();
            // The complete message before the fragment, the reassembled header, then the rest without copy.
            assertThat(runs).as("k=%d", k).hasSize(3);
            assertSame(first, runs.get(0).backing());
            assertArrayEquals(before, runs.get(0).bytes());
            assertArrayEquals(Arrays.copyOf(split, 5), runs.get(1).bytes());
            assertSame(second, runs.get(2).backing());
            assertEquals(5 - k, runs.get(2).offset());
        }
    }

    @Test
    void headerOfWantedMessageSplitAcrossReads() {
        byte[] wanted = msg('Z', 1);
        for (int k = 1; k <= 4; k++) {
            Harness h = new Harness().feed(Arrays.copyOfRange(wanted, 0, k)).feed(Arrays.copyOfRange(wanted, k, wanted.length));
            assertThat(h.finish()).as("k=%d", k).containsExactly(new Decided((byte) 'Z', 5), whole(wanted));
        }
    }

    @Test
    void headerArrivingOneByteAtATime() {
        byte[] stream = concat(msg('D', 3), msg('Z', 1));
        Harness h = new Harness();
        for (byte b : stream) h.feed(new byte[]{b});
        List<Event> events = h.finish();
        assertThat(events.stream().filter(e -> e instanceof Decided).toList())
                .containsExactly(new Decided((byte) 'D', 7), new Decided((byte) 'Z', 5));
        assertArrayEquals(stream, concatenated(events));
        assertThat(events.getLast()).isEqualTo(whole(msg('Z', 1)));
    }

    // ---- whole messages ----

    @Test
    void wantedMessageSplitAtEveryOffsetIsDeliveredWholeExactlyOnce() {
        byte[] wanted = msg('S', 40);
        byte[] stream = concat(msg('D', 10), wanted, msg('D', 10));
        for (List<byte[]> feeding : StartupDecoderTest.feedings(stream)) {
            List<Event> events = new Harness().feedAll(feeding).finish();
            List<Event> wholes = events.stream().filter(e -> e instanceof Whole).toList();
            assertThat(wholes).as("%d pieces", feeding.size()).hasSize(1);
            assertArrayEquals(wanted, ((Whole) wholes.getFirst()).bytes());
            assertThat(events.stream().filter(e -> e instanceof Decided).toList())
                    .containsExactly(new Decided((byte) 'D', 14), new Decided((byte) 'S', 44), new Decided((byte) 'D', 14));
            assertArrayEquals(stream, concatenated(events));
        }
    }

    @Test
    void interleavingOfRunsAndWholeMessagesIsPreserved() {
        byte[] t = msg('T', 20), d1 = msg('D', 8), d2 = msg('D', 9), z = msg('Z', 1), s = msg('S', 12), d3 = msg('D', 0),
                c = msg('C', 6), e = msg('E', 30);
        byte[] stream = concat(t, d1, d2, z, s, d3, c, e);
        List<Event> events = new Harness().feed(stream).finish();
        assertThat(events.stream().filter(ev -> !(ev instanceof Decided)).map(ev -> ev.getClass().getSimpleName()).toList())
                .containsExactly("Run", "Whole", "Whole", "Run", "Whole");
        List<Event> data = events.stream().filter(ev -> !(ev instanceof Decided)).toList();
        assertArrayEquals(concat(t, d1, d2), ((Run) data.get(0)).bytes());
        assertThat(data.get(1)).isEqualTo(whole(z));
        assertThat(data.get(2)).isEqualTo(whole(s));
        assertArrayEquals(concat(d3, c), ((Run) data.get(3)).bytes());
        assertThat(data.get(4)).isEqualTo(whole(e));
    }

    /**
     * The general property, for a mixed stream fed whole, one byte at a time, split in two at every offset and
     * in three with a short middle piece at every offset: every message decided exactly once in order; runs and whole messages
     * together reproduce the stream in order; whole messages arrive complete; runs share the input's memory
     * except for reassembled headers; everything released.
     */
    @Test
    void mixedStreamSplitEverywhere() {
        List<byte[]> messages = List.of(msg('T', 9), msg('D', 3), msg('Z', 1), msg('D', 0), msg('D', 12), msg('S', 6),
                msg('E', 2), msg('C', 4), msg('Z', 1));
        byte[] stream = concat(messages.toArray(byte[][]::new));
        List<Event> expectedDecisions = messages.stream().map(m -> (Event) new Decided(m[0], m.length - 1)).toList();
        List<byte[]> expectedWholes = messages.stream().filter(m -> !PASS.contains(m[0])).toList();

        List<List<byte[]>> feedings = new ArrayList<>(StartupDecoderTest.feedings(stream));
        // Three pieces with a short middle one: headers and small messages that straddle two boundaries.
        for (int i = 1; i < stream.length; i++) {
            for (int j = i + 1; j < Math.min(stream.length, i + 7); j++) {
                feedings.add(List.of(Arrays.copyOfRange(stream, 0, i), Arrays.copyOfRange(stream, i, j),
                        Arrays.copyOfRange(stream, j, stream.length)));
            }
        }
        for (List<byte[]> feeding : feedings) {
            Harness h = new Harness().feedAll(feeding);
            List<Event> events = h.finish();
            String at = feeding.stream().map(p -> String.valueOf(p.length)).toList().toString();
            assertThat(events.stream().filter(e -> e instanceof Decided).toList()).as(at).containsExactlyElementsOf(expectedDecisions);
            assertArrayEquals(stream, concatenated(events), at);
            List<byte[]> wholes = events.stream().filter(e -> e instanceof Whole).map(e -> ((Whole) e).bytes()).toList();
            assertEquals(expectedWholes.size(), wholes.size(), at);
            for (int k = 0; k < wholes.size(); k++) assertArrayEquals(expectedWholes.get(k), wholes.get(k), at);
            for (Event e : events) {
                if (e instanceof Run r && !h.isInput(r.backing())) {
                    assertEquals(5, r.bytes().length, "only a reassembled header is copied " + at);
                } else if (e instanceof Run r) {
                    assertArrayEquals(r.bytes(), Arrays.copyOfRange(r.backing(), r.offset(), r.offset() + r.bytes().length), at);
                }
            }
        }
    }

    @Test
    void lengthBoundsThemselvesAreValid() {
        byte[] stream = concat(msg('D', 0), msg('D', MAX - 4), msg('Z', MAX - 4));
        List<Event> events = new Harness().feed(stream).finish();
        assertThat(events).noneMatch(e -> e instanceof Bad);
        assertArrayEquals(stream, concatenated(events));
    }

    // ---- malformed lengths ----

    @Test
    void invalidLengthIsReportedOnceAndNothingFollows() {
        for (int length : new int[]{0, 3, -1, Integer.MIN_VALUE, MAX + 1, Integer.MAX_VALUE}) {
            for (char type : new char[]{'D', 'Z'}) {
                byte[] good = msg('Z', 1);
                byte[] bad = header(type, length);
                byte[] stream = concat(good, bad, msg('D', 5), msg('Z', 1));
                List<List<byte[]>> feedings = length == 3 || length == MAX + 1
                        ? StartupDecoderTest.feedings(stream) : List.of(List.of(stream));
                for (List<byte[]> feeding : feedings) {
                    Harness h = new Harness().feedAll(feeding);
                    h.feed(msg('Z', 1)).feed(msg('D', 3)); // later reads are ignored too
                    List<Event> events = h.finish();
                    assertThat(events).as("length %d type %s, %d pieces", length, type, feeding.size()).containsExactly(
                            new Decided((byte) 'Z', 5), whole(good),
                            new Bad("invalid message length " + length + " for message type '" + type + "'"));
                }
            }
        }
    }

    @Test
    void invalidLengthInHeaderCompletedByALaterRead() {
        byte[] bad = header('D', 2);
        for (int k = 1; k <= 4; k++) {
            Harness h = new Harness().feed(Arrays.copyOf(bad, k)).feed(concat(Arrays.copyOfRange(bad, k, 5), msg('D', 1)));
            assertThat(h.finish()).containsExactly(new Bad("invalid message length 2 for message type 'D'"));
        }
    }

    /**
     * Complete pass-through messages that arrived before a bad header are dropped when they share its read,
     * but forwarded when they came in an earlier read (and whole messages before it are delivered either way).
     * What reaches the peer before the connection is torn down therefore depends on TCP segmentation: the
     * pending run should be flushed before {@code onMalformed}.
     */
    @Test
    void passThroughBytesBeforeAnInvalidHeaderInTheSameReadAreForwarded() {
        byte[] z = msg('Z', 1), d = msg('D', 10);
        List<Event> events = new Harness().feed(concat(z, d, header('D', 2))).finish();
        assertThat(events.stream().filter(e -> !(e instanceof Decided)).map(e -> e.getClass().getSimpleName()).toList())
                .containsExactly("Whole", "Run", "Bad");
        assertArrayEquals(concat(z, d), concatenated(events));
    }

    @Test
    void tailOfASplitPassThroughMessageIsForwardedBeforeAnInvalidHeader() {
        byte[] d = msg('D', 40);
        for (int k = 1; k < d.length; k++) {
            List<Event> events = new Harness().feed(Arrays.copyOf(d, k)).feed(concat(Arrays.copyOfRange(d, k, d.length), header('D', 2))).finish();
            assertThat(events.getLast()).isEqualTo(new Bad("invalid message length 2 for message type 'D'"));
            assertArrayEquals(d, concatenated(events), "k=" + k);
        }
    }

    // ---- memory: what arrives, not what a header declares ----

    @Test
    void aDeclaredLengthReservesNothingBeyondTheBytesThatArrived() {
        int huge = 0x3FFF_FFFF;
        Harness h = new Harness(new Recorder(huge, huge));
        h.feed(concat(header('P', huge), new byte[100]));
        assertThat(h.alloc.allocated).allMatch(b -> b.capacity() <= 1024, "a small buffer for 105 bytes");
        for (int i = 0; i < 64; i++) h.feed(new byte[1024]);
        int arrived = 105 + 64 * 1024;
        assertThat(h.alloc.allocated).allMatch(b -> b.capacity() <= 4 * arrived, "grown with what arrived (" + arrived + " bytes)");
        assertThat(h.finish()).containsExactly(new Decided((byte) 'P', huge));
    }

    @Test
    void aWantedMessageLongerThanItsLimitIsRefusedFromItsHeaderAlone() {
        for (List<byte[]> feeding : StartupDecoderTest.feedings(concat(msg('Z', 1), header('P', 101), new byte[20]))) {
            Harness h = new Harness(new Recorder(MAX, 100)).feedAll(feeding);
            h.feed(msg('Z', 1)); // nothing after it is read
            assertThat(h.recorder.without(Decided.class)).as("%d pieces", feeding.size()).containsExactly(whole(msg('Z', 1)),
                    new Bad("message of type 'P' declares 101 bytes, more than the limit of 100"));
            h.finish();
        }
    }

    @Test
    void passedThroughMessagesHaveOnlyTheOverallLimit() {
        byte[] stream = concat(msg('D', 500), msg('P', 96));
        List<Event> events = new Harness(new Recorder(MAX, 100)).feed(stream).finish();
        assertThat(events).noneMatch(e -> e instanceof Bad);
        assertArrayEquals(stream, concatenated(events));
    }

    // ---- release on close / removal ----

    @Test
    void partialWantedMessageIsReleasedWhenTheChannelCloses() {
        byte[] wanted = msg('S', 100);
        Harness h = new Harness().feed(Arrays.copyOf(wanted, 50));
        assertThat(h.alloc.allocated).isNotEmpty();
        assertThat(h.finish()).containsExactly(new Decided((byte) 'S', 104));
    }

    @Test
    void partialHeaderIsReleasedWhenTheHandlerIsRemoved() {
        Harness h = new Harness().feed(new byte[]{'D', 0});
        assertThat(h.alloc.allocated).hasSize(1);
        h.channel.pipeline().remove(h.recorder);
        assertEquals(0, h.alloc.allocated.getFirst().refCnt());
        h.feed(msg('D', 1)); // no handler any more: the message reaches the tail of the pipeline
        ByteBuf passedOn = h.channel.readInbound();
        passedOn.release();
        assertThat(h.finish()).isEmpty();
    }

    // ---- helpers ----

    private static Whole whole(byte[] message) {
        return new Whole(message[0], message);
    }

    /** Runs and whole messages in event order, concatenated. */
    private static byte[] concatenated(List<Event> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Event e : events) {
            if (e instanceof Run r) out.writeBytes(r.bytes());
            else if (e instanceof Whole w) out.writeBytes(w.bytes());
        }
        return out.toByteArray();
    }

    /** A typed message with a body of {@code bodyLength} patterned bytes. */
    static byte[] msg(char type, int bodyLength) {
        byte[] m = new byte[5 + bodyLength];
        m[0] = (byte) type;
        Unpooled.wrappedBuffer(m).setInt(1, 4 + bodyLength);
        for (int i = 0; i < bodyLength; i++) m[5 + i] = (byte) (type * 31 + i);
        return m;
    }

    private static byte[] header(char type, int length) {
        byte[] h = new byte[5];
        h[0] = (byte) type;
        Unpooled.wrappedBuffer(h).setInt(1, length);
        return h;
    }

    private static byte[] concat(byte[]... parts) {
        return StartupDecoderTest.concat(parts);
    }
}
