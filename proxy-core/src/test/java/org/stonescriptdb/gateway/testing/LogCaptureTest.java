package org.stonescriptdb.gateway.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** The fuzzer's checks for leaks and stack traces must be able to fail: they see a real leak and a real trace. */
class LogCaptureTest {

    @Test
    void seesAByteBufCollectedUnreleased() throws Exception {
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 10 && log.leaks().isEmpty(); i++) {
                leakOne();
                LogCapture.provokeLeakReports();
            }
            assertThat(log.leaks()).as("paranoid leak detection is on in tests, and its reports are caught").isNotEmpty();
        }
    }

    private static void leakOne() {
        ByteBuf leaked = ByteBufAllocator.DEFAULT.buffer(32);
        leaked.writeInt(42); // dropped without release
    }

    @Test
    void seesAStackTraceInTheGatewaysLog() {
        try (LogCapture log = new LogCapture()) {
            Logger.getLogger("org.stonescriptdb.gateway.test").log(Level.FINE, "a failure", new IllegalStateException("boom"));
            assertThat(log.stackTraces()).hasSize(1);
            assertThat(log.count(Level.FINE, "a failure")).isEqualTo(1);
        }
    }
}
