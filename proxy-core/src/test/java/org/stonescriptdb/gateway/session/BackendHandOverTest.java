package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The awaited hand-over (a login, a BEGIN sent ahead of the first statement) resets in the form the plan chose. */
class BackendHandOverTest {

    private static String encoded(BackendHandOver plan) {
        return text(plan.encode(UnpooledByteBufAllocator.DEFAULT));
    }

    private static String pipelined(BackendHandOver plan) {
        return text(plan.encodePipelined(UnpooledByteBufAllocator.DEFAULT, "_ssg_reset_m"));
    }

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    @Test
    void aBackendHoldingNoneOfTheGatewaysStatementsIsResetWithOneDiscardAll() {
        String request = encoded(new BackendHandOver(true, true, ClientParameters.Sync.NONE, List.of()));
        assertThat(request).contains("DISCARD ALL").doesNotContain("RESET ALL");
    }

    @Test
    void oneHoldingThemIsResetStatementByStatementSoTheyStay() {
        String request = encoded(new BackendHandOver(true, false, ClientParameters.Sync.NONE, List.of()));
        assertThat(request).contains("RESET ALL").contains("DISCARD TEMP").doesNotContain("DISCARD ALL");
    }

    /** DISCARD ALL with nothing behind it joins the client's batch: no Sync, no marker, no check. */
    @Test
    void aDiscardAllWithNothingToSetGoesUnsyncedAhead() {
        BackendHandOver plan = new BackendHandOver(true, true, ClientParameters.Sync.NONE, List.of());
        assertThat(plan.unsynced()).isTrue();
        String request = pipelined(plan);
        assertThat(request).contains("DISCARD ALL").doesNotContain("_ssg_reset_m");
        assertThat(request).as("ends with the Execute, no Sync").endsWith("E\0\0\0\t\0\0\0\0\0");
    }

    /** The shared bytes of the unsynced reset: every hand-over gets all of them, and writing (releasing) one spends nothing. */
    @Test
    void theUnsyncedResetIsTheSameWholeBytesEveryTimeHoweverOftenWrittenAndReleased() {
        BackendHandOver plan = new BackendHandOver(true, true, ClientParameters.Sync.NONE, List.of());
        ByteBuf expected = UnpooledByteBufAllocator.DEFAULT.buffer();
        org.stonescriptdb.gateway.protocol.ClientMessages.pipelinedDiscardAll(expected);
        try {
            for (int i = 0; i < 3; i++) {
                ByteBuf sent = plan.encodePipelined(UnpooledByteBufAllocator.DEFAULT, "_ssg_reset_m");
                assertThat(io.netty.buffer.ByteBufUtil.equals(sent, expected)).as("write " + i).isTrue();
                sent.skipBytes(sent.readableBytes()); // as a channel consumes it
                sent.release();
            }
        } finally {
            expected.release();
        }
    }

    /**
     * Settings to set, or statements to close, after the reset must commit before the client's messages (a failing
     * client statement would undo them in one batch): then the reset has its own Sync and the check behind it.
     */
    @Test
    void aResetWithSettingsBehindItKeepsItsSyncAndCheck() {
        BackendHandOver withSettings = new BackendHandOver(true, true,
                new ClientParameters.Sync(java.util.Map.of("application_name", "app"), List.of()), List.of());
        BackendHandOver withCloses = new BackendHandOver(true, true, ClientParameters.Sync.NONE, List.of("_ssg_x_1"));
        BackendHandOver byStatements = new BackendHandOver(true, false, ClientParameters.Sync.NONE, List.of());
        for (BackendHandOver plan : List.of(withSettings, withCloses, byStatements)) {
            assertThat(plan.unsynced()).isFalse();
            assertThat(pipelined(plan)).contains("_ssg_reset_m");
        }
    }
}
