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
        ByteBuf b = plan.encode(UnpooledByteBufAllocator.DEFAULT);
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
}
