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

    @Test
    void aJsonRecordIsOneObjectOnOneLineEvenWithLineBreaksQuotesAndAStackTrace() throws Exception {
        LogRecord r = new LogRecord(Level.SEVERE, "deploy of \"acme_main\" failed:\nline two\ttabbed");
        r.setLoggerName("org.stonescriptdb.gateway.http.Deployments");
        r.setMillis(1_767_225_600_123L);
        r.setThrown(new IllegalStateException("boom"));
        String line = new LoggingSetup.JsonLine().format(r);
        assertThat(line).endsWith(System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n").doesNotContain("\u001b");
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertThat(json.path("time").asText()).isEqualTo("2026-01-01T00:00:00.123Z");
        assertThat(json.path("level").asText()).isEqualTo("ERROR");
        assertThat(json.path("logger").asText()).isEqualTo("org.stonescriptdb.gateway.http.Deployments");
        assertThat(json.path("message").asText()).isEqualTo("deploy of \"acme_main\" failed:\nline two\ttabbed");
        assertThat(json.path("error").asText()).contains("IllegalStateException: boom").contains("at ");
        assertThat(json.path("thread").asText()).isNotEmpty();
    }

    @Test
    void aJsonRecordCarriesTheIdsOfWhatItsThreadWasDoing() throws Exception {
        LogRecord r = new LogRecord(Level.INFO, "deployed");
        r.setLoggerName("org.stonescriptdb.gateway.http.Deployments");
        try (var request = org.stonescriptdb.gateway.log.LogContext.with("request", "POST /migrate")) {
            org.stonescriptdb.gateway.log.LogContext.put("platform", "clinic");
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(new LoggingSetup.JsonLine().format(r));
            assertThat(json.path("request").asText()).isEqualTo("POST /migrate");
            assertThat(json.path("platform").asText()).isEqualTo("clinic");
        }
        var after = new com.fasterxml.jackson.databind.ObjectMapper().readTree(new LoggingSetup.JsonLine().format(r));
        assertThat(after.has("request")).as("gone with its scope").isFalse();
        assertThat(after.has("platform")).isFalse();
    }

    @Test
    void theFormatIsTextOrJson() {
        assertThat(LoggingSetup.Format.parse(null)).isEqualTo(LoggingSetup.Format.TEXT);
        assertThat(LoggingSetup.Format.parse(" JSON ")).isEqualTo(LoggingSetup.Format.JSON);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoggingSetup.Format.parse("xml"))
                .isInstanceOf(org.stonescriptdb.gateway.config.ConfigException.class).hasMessageContaining("LOG_FORMAT must be text or json, got 'xml'");
    }
}
