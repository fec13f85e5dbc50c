package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.codec.StartupDecoder;
import org.stonescriptdb.gateway.codec.StartupPacket;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the client sends right behind its StartupMessage (a pipelined first query) must reach the session, in
 * order, once the session can handle it: StartupHandler hands the decoder's leftover to a holder that passes
 * it on at the session's first read request (ClientSession turns auto-read back on only after its flow exists;
 * before that it would drop messages).
 */
class StartupHandlerHandOverTest {

    private static final byte[] QUERY = typed('Q', "SELECT 1\0");
    private static final byte[] SYNC = typed('S', "");

    /** Stands in for StartupHandler: takes the StartupMessage, turns auto-read off, hands over on demand. */
    private static final class Starter extends ChannelInboundHandlerAdapter {
        ChannelHandlerContext ctx;
        final List<Object> packets = new ArrayList<>();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof StartupPacket p) {
                packets.add(p);
                ctx.channel().config().setAutoRead(false);
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    /** Stands in for ClientSession: records bytes, and reports whether it was "ready" when they came. */
    private static final class Session extends ChannelInboundHandlerAdapter {
        final boolean logsInAtOnce;
        boolean ready;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        int receivedBeforeReady;
        int readCompletes;

        Session(boolean logsInAtOnce) {
            this.logsInAtOnce = logsInAtOnce;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (logsInAtOnce) login(ctx);
        }

        void login(ChannelHandlerContext ctx) {
            ready = true;
            ctx.channel().config().setAutoRead(true);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            if (!ready) receivedBeforeReady += b.readableBytes();
            received.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readCompletes++;
        }
    }

    @Test
    void pipelinedQueryWaitsForTheSessionAndArrivesInOrder() {
        Starter starter = new Starter();
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder(), starter);
        ByteBuf first = Unpooled.wrappedBuffer(concat(startup("u"), QUERY));
        channel.writeInbound(first);
        assertThat(starter.packets).hasSize(1);
        // A second read that was already under way when auto-read went off: kept behind the first bytes.
        ByteBuf second = Unpooled.wrappedBuffer(SYNC);
        channel.writeInbound(second);
        assertThat(starter.packets).hasSize(1);

        Session session = new Session(false);
        StartupHandler.handOver(starter.ctx, session);
        assertThat(channel.pipeline().get(StartupDecoder.class)).isNull();
        assertThat(channel.pipeline().get(StartupHandler.PendingInput.class)).isNotNull();
        assertThat(session.received.size()).as("nothing before the session asks").isZero();

        // Bytes read after the hand-over but before login still queue behind the held ones.
        ByteBuf third = Unpooled.wrappedBuffer(QUERY);
        channel.writeInbound(third);
        assertThat(session.received.size()).isZero();

        session.login(channel.pipeline().context(session));
        assertThat(session.receivedBeforeReady).isZero();
        assertThat(session.received.toByteArray()).isEqualTo(concat(QUERY, SYNC, QUERY));
        assertThat(session.readCompletes).isPositive();
        assertThat(channel.pipeline().get(StartupHandler.PendingInput.class)).as("the holder leaves").isNull();

        // Later reads go straight through.
        channel.writeInbound(Unpooled.wrappedBuffer(SYNC));
        assertThat(session.received.toByteArray()).isEqualTo(concat(QUERY, SYNC, QUERY, SYNC));
        channel.finishAndReleaseAll();
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertEquals(0, third.refCnt());
    }

    @Test
    void sessionThatLogsInWhileBeingAddedStillGetsTheBytes() {
        Starter starter = new Starter();
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder(), starter);
        ByteBuf in = Unpooled.wrappedBuffer(concat(startup("u"), QUERY, SYNC));
        channel.writeInbound(in);
        Session session = new Session(true);
        StartupHandler.handOver(starter.ctx, session);
        assertThat(session.receivedBeforeReady).isZero();
        assertThat(session.received.toByteArray()).isEqualTo(concat(QUERY, SYNC));
        assertThat(channel.pipeline().get(StartupHandler.PendingInput.class)).isNull();
        channel.finishAndReleaseAll();
        assertEquals(0, in.refCnt());
    }

    @Test
    void nothingPipelinedMeansNoHolder() {
        Starter starter = new Starter();
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder(), starter);
        channel.writeInbound(Unpooled.wrappedBuffer(startup("u")));
        Session session = new Session(false);
        StartupHandler.handOver(starter.ctx, session);
        assertThat(channel.pipeline().get(StartupHandler.PendingInput.class)).isNull();
        assertThat(channel.pipeline().get(StartupDecoder.class)).isNull();
        assertThat(channel.pipeline().get(Session.class)).isSameAs(session);
        session.login(channel.pipeline().context(session));
        channel.writeInbound(Unpooled.wrappedBuffer(QUERY));
        assertThat(session.received.toByteArray()).isEqualTo(QUERY);
        channel.finishAndReleaseAll();
    }

    @Test
    void heldBytesAreReleasedWhenTheClientLeavesBeforeLogin() {
        Starter starter = new Starter();
        EmbeddedChannel channel = new EmbeddedChannel(new StartupDecoder(), starter);
        ByteBuf in = Unpooled.wrappedBuffer(concat(startup("u"), QUERY));
        channel.writeInbound(in);
        Session session = new Session(false);
        StartupHandler.handOver(starter.ctx, session);
        ByteBuf more = Unpooled.wrappedBuffer(SYNC);
        channel.writeInbound(more);
        channel.close();
        assertThat(session.received.size()).isZero();
        assertEquals(0, in.refCnt());
        assertEquals(0, more.refCnt());
    }

    @Test
    void decoderRequestsNoMoreReadsOnceTheStartupMessageIsOut() {
        Starter starter = new Starter();
        int[] reads = {0};
        EmbeddedChannel channel = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) throws Exception {
                reads[0]++;
                super.read(ctx);
            }
        }, new StartupDecoder(), starter);
        channel.writeInbound(Unpooled.wrappedBuffer(startup("u")));
        int before = reads[0];
        channel.writeInbound(Unpooled.wrappedBuffer(QUERY));
        channel.writeInbound(Unpooled.wrappedBuffer(SYNC));
        assertThat(reads[0]).as("no read requests while the login runs").isEqualTo(before);
        channel.finishAndReleaseAll();
    }

    // ---- helpers ----

    private static byte[] startup(String user) {
        byte[] body = ("user\0" + user + "\0\0").getBytes(StandardCharsets.UTF_8);
        return toBytes(Unpooled.buffer().writeInt(8 + body.length).writeInt(196608).writeBytes(body));
    }

    private static byte[] typed(char type, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return toBytes(Unpooled.buffer().writeByte(type).writeInt(4 + b.length).writeBytes(b));
    }

    private static byte[] toBytes(ByteBuf buf) {
        byte[] out = ByteBufUtil.getBytes(buf);
        buf.release();
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
