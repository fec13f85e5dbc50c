package org.stonescriptdb.gateway.log;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottledLogTest {

    private final List<String> lines = new ArrayList<>();
    private final Logger logger = Logger.getAnonymousLogger();
    private final AtomicLong now = new AtomicLong(1_000);

    ThrottledLogTest() {
        logger.setUseParentHandlers(false);
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    @Test
    void aFloodOfOneKindIsOneLinePerIntervalWithTheCountOfTheRest() {
        ThrottledLog log = new ThrottledLog(logger, Duration.ofSeconds(60), now::get);
        for (int i = 0; i < 100_000; i++) log.log(Level.WARNING, "refused", "refused " + i);
        assertThat(lines).containsExactly("refused 0");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        log.log(Level.WARNING, "refused", "refused again");
        assertThat(lines).containsExactly("refused 0", "refused again (99999 more like it since the last such line)");
    }

    @Test
    void kindsAreThrottledApart() {
        ThrottledLog log = new ThrottledLog(logger, Duration.ofSeconds(60), now::get);
        log.log(Level.WARNING, "a", "a1");
        log.log(Level.WARNING, "b", "b1");
        log.log(Level.WARNING, "a", "a2");
        assertThat(lines).containsExactly("a1", "b1");
    }
}
