package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.testing.RawFrontend;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The messages waiting for a backend: their limit, their order, and how they are answered when none comes. */
class ClientBacklogTest {

    private final ClientBacklog backlog = new ClientBacklog();

    private static ByteBuf message(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    @Test
    void messagesComeOutInOrderAndTheirBytesAreCounted() {
        ByteBuf parse = message(RawFrontend.parse("", "select 1"));
        ByteBuf sync = message(RawFrontend.sync());
        backlog.add(parse);
        backlog.add(sync);

        assertThat(backlog.bytes()).isEqualTo(parse.readableBytes() + sync.readableBytes());
        assertThat(backlog.take()).isSameAs(parse);
        assertThat(backlog.take()).isSameAs(sync);
        assertThat(backlog.take()).isNull();
        assertThat(backlog.bytes()).isZero();
        parse.release();
        sync.release();
    }

    @Test
    void readingPausesOnlyAboveTheLimit() {
        ByteBuf half = Unpooled.buffer().writeZero(ClientBacklog.PAUSE_READING_ABOVE_BYTES / 2);
        ByteBuf more = Unpooled.buffer().writeZero(ClientBacklog.PAUSE_READING_ABOVE_BYTES / 2 + 1);

        assertThat(backlog.add(half)).isFalse();
        assertThat(backlog.add(more)).isTrue();

        backlog.releaseAll();
        assertThat(half.refCnt()).isZero();
        assertThat(more.refCnt()).isZero();
        assertThat(backlog.isEmpty()).isTrue();
    }

    /** One error, then a ReadyForQuery for each Sync or Query: what the server sends for a failed batch. */
    @Test
    void withNoBackendEachSyncAndQueryGetsItsReadyForQueryAfterOneError() {
        EmbeddedChannel client = new EmbeddedChannel();
        List<ByteBuf> held = new ArrayList<>();
        for (byte[] m : List.of(RawFrontend.parse("", "select 1"), RawFrontend.bind("", ""), RawFrontend.execute("", 0),
                RawFrontend.sync(), RawFrontend.query("select 2"))) {
            ByteBuf b = message(m);
            held.add(b);
            backlog.add(b);
        }

        backlog.answerAllWithError(client, "53300", "no backend", org.stonescriptdb.gateway.protocol.TransactionStatus.IDLE);
        client.flush();

        List<Byte> types = new ArrayList<>();
        Object out;
        while ((out = client.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) out;
            types.add(b.getByte(b.readerIndex()));
            if (types.size() == 1) assertThat(ErrorFields.decodeMessage(b).code()).isEqualTo("53300");
            b.release();
        }
        assertThat(types).containsExactly(BackendType.ERROR_RESPONSE, BackendType.READY_FOR_QUERY, BackendType.READY_FOR_QUERY);
        assertThat(held).allMatch(b -> b.refCnt() == 0);
        assertThat(backlog.isEmpty()).isTrue();
    }
}
