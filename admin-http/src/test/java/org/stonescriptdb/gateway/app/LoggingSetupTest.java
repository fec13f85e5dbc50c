package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

class LoggingSetupTest {

    @Test
    void everyLogLevelMapsToAJulLevel() {
        assertThat(LoggingSetup.toJul("trace")).isEqualTo(Level.FINEST);
        assertThat(LoggingSetup.toJul("debug")).isEqualTo(Level.FINE);
        assertThat(LoggingSetup.toJul("info")).isEqualTo(Level.INFO);
        assertThat(LoggingSetup.toJul("warn")).isEqualTo(Level.WARNING);
        assertThat(LoggingSetup.toJul("error")).isEqualTo(Level.SEVERE);
        assertThat(LoggingSetup.toJul("off")).isEqualTo(Level.OFF);
    }

    @Test
    void aRecordIsOneLineWithUtcTimeLevelAndShortLoggerName() {
        LogRecord r = new LogRecord(Level.WARNING, "backend unreachable: {0}");
        r.setParameters(new Object[] {"refused"});
        r.setLoggerName("org.stonescriptdb.gateway.http.HealthHandler");
        r.setMillis(1_767_225_600_123L); // 2026-01-01T00:00:00.123Z
        String line = new LoggingSetup.OneLine().format(r);
        assertThat(line).isEqualTo("2026-01-01T00:00:00.123Z WARN  HealthHandler - backend unreachable: refused" + System.lineSeparator());
    }
}
