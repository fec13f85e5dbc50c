package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.stonescriptdb.gateway.testing.LogCapture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every test of the flow's parts on embedded channels checks besides its own case: each buffer fed in was released
 * by the end of the test, and Netty reported no leak by the end of the class.
 */
abstract class FlowPartsTest {

    private static LogCapture log;
    protected final FlowParts.Fixture fixture = new FlowParts.Fixture();

    @BeforeAll
    static void captureLeakReports() {
        log = new LogCapture();
    }

    @AfterEach
    void everyBufferIsReleased() {
        assertThat(fixture.close()).as("messages the gateway never released").isEmpty();
    }

    @AfterAll
    static void noBufferLeaked() throws InterruptedException {
        try {
            LogCapture.provokeLeakReports();
            assertThat(log.leaks()).as("Netty's leak reports").isEmpty();
        } finally {
            log.close();
        }
    }
}
