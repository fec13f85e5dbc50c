package org.stonescriptdb.gateway.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.TransactionStatus;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A ReadyForQuery its owner would only pass on ends the run of replies before it, in the same write, and the owner takes
 * note of it only once that run is handed over — and before anything behind it in the read is decided. An owner that
 * wants it whole gets it whole, as before.
 */
class BackendHandlerReadyTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final BackendConnection connection = TestBackends.on(channel, "app_main");
    private final Recorder owner = new Recorder();

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    /** Records, in order, what the handler asks and hands over. */
    private final class Recorder implements BackendOwner {
        final List<String> events = new ArrayList<>();
        boolean takesReadyRaw = true;

        @Override
        public boolean passBackendThrough(byte type) {
            events.add("decide " + (char) type);
            return true;
        }

        @Override
        public void onBackendData(BackendConnection c, ByteBuf data) {
            events.add("data " + ByteBufUtil.hexDump(data));
            data.release();
        }

        @Override
        public void onBackendMessage(BackendConnection c, byte type, ByteBuf message) {
            events.add("whole " + (char) type + " with status " + c.transactionStatus());
            message.release();
        }

        @Override
        public boolean passReadyThrough(BackendConnection c) {
            return takesReadyRaw;
        }

        @Override
        public void readyPassedThrough(BackendConnection c) {
            events.add("ready " + c.transactionStatus());
        }

        @Override
        public void onBackendReadComplete(BackendConnection c) {
        }

        @Override
        public void onBackendClosed(BackendConnection c) {
        }
    }

    private void start() {
        Promise<BackendConnection> login = channel.eventLoop().newPromise();
        login.setSuccess(connection);
        channel.pipeline().addLast(new BackendHandler(connection, null, "test", login, c -> { }));
        connection.owner(owner);
    }

    private static String hex(ByteBuf... messages) {
        ByteBuf all = Unpooled.wrappedBuffer(messages);
        try {
            return ByteBufUtil.hexDump(all);
        } finally {
            all.release();
        }
    }

    private static ByteBuf complete(String tag) {
        return FrontendMessages.commandComplete(ByteBufAllocator.DEFAULT, tag);
    }

    private static ByteBuf ready(TransactionStatus status) {
        return ServerMessages.readyForQuery(ByteBufAllocator.DEFAULT, status);
    }

    private void read(ByteBuf... messages) {
        channel.writeInbound(Unpooled.wrappedBuffer(messages));
    }

    @Test
    void aReadyForQueryTheOwnerOnlyPassesOnEndsTheRunAndIsNotedAfterIt() {
        start();
        String run = hex(complete("SELECT 1"), ready(TransactionStatus.IN_TRANSACTION));
        read(complete("SELECT 1"), ready(TransactionStatus.IN_TRANSACTION));
        assertThat(owner.events).containsExactly("decide C", "data " + run, "ready IN_TRANSACTION");
    }

    @Test
    void whatFollowsAReadyForQueryInTheSameReadIsDecidedOnlyAfterItWasNoted() {
        start();
        String first = hex(complete("BEGIN"), ready(TransactionStatus.IN_TRANSACTION));
        String second = hex(complete("COMMIT"), ready(TransactionStatus.IDLE));
        read(complete("BEGIN"), ready(TransactionStatus.IN_TRANSACTION), complete("COMMIT"), ready(TransactionStatus.IDLE));
        assertThat(owner.events).containsExactly(
                "decide C", "data " + first, "ready IN_TRANSACTION",
                "decide C", "data " + second, "ready IDLE");
    }

    @Test
    void anOwnerThatWantsItWholeGetsItWholeAfterTheRun() {
        start();
        owner.takesReadyRaw = false;
        String run = hex(complete("SELECT 1"));
        read(complete("SELECT 1"), ready(TransactionStatus.FAILED));
        assertThat(owner.events).containsExactly("decide C", "data " + run, "whole Z with status FAILED");
    }
}
