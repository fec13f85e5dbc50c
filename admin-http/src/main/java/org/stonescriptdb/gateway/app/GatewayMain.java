package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.config.ConfigException;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.DotEnv;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.process.FatalErrors;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway's {@code main}: configuration from the environment (and {@code .env}), then
 * {@link GatewayApplication} until SIGTERM or SIGINT. Exit status 0 after a clean stop, 1 when start-up
 * fails, 2 for a configuration error (one line on stderr naming the variable), 3 for a fatal failure while running
 * (out of memory, a dead event loop: {@link FatalErrors}), 4 when a stop had to be forced ({@link StopDeadline}).
 */
public final class GatewayMain {

    private static final Logger LOG = Logger.getLogger(GatewayMain.class.getName());
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_FATAL = FatalErrors.EXIT_STATUS;
    static final int EXIT_FORCED_STOP = StopDeadline.EXIT_STATUS;

    private GatewayMain() {
    }

    /**
     * Netty's buffer leak detector samples one buffer in 128 and records a stack trace for it — about a tenth of the
     * gateway's own CPU per transaction. The test suite runs every test with it at paranoid; in production it is off
     * unless the operator asks for it ({@code -Dio.netty.leakDetection.level=simple}).
     */
    static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

    /** Must run before any Netty class is loaded: the level is read once, when the detector class initialises. */
    static void leakDetectionOffUnlessAsked() {
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) System.setProperty(LEAK_DETECTION_PROPERTY, "disabled");
    }

    public static void main(String[] args) throws InterruptedException {
        // Before the start: a signal that comes while the gateway starts is then handled, not fatal (StopSignals). It loads
        // no Netty class, so startOrExit still turns the leak detector off in time.
        StopSignals signals = StopSignals.install();
        GatewayApplication app = startOrExit(args);
        signals.started(app);
        app.awaitStopped();
    }

    /**
     * Everything up to a running gateway, or the process ends with 1 or 2. From here on a fatal error anywhere halts
     * the process ({@link FatalErrorGuard}).
     */
    static GatewayApplication startOrExit(String[] args) {
        leakDetectionOffUnlessAsked();
        if (args.length > 0) {
            System.err.println("stonescriptdb-gateway takes no arguments; it is configured by environment variables"
                    + " (see docs/configuration.md)");
            System.exit(EXIT_BAD_CONFIG);
        }
        GatewayConfig config;
        AdminSettings settings;
        LoggingSetup.Format logFormat;
        try {
            // One reading of the environment and .env for both.
            Map<String, String> vars = DotEnv.withEnvironment(System.getenv(), Path.of(".env"));
            config = ConfigLoader.load(vars);
            settings = AdminSettings.load(vars);
            logFormat = LoggingSetup.Format.parse(vars.get("LOG_FORMAT"));
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
            return null;
        } catch (RuntimeException e) {
            // A value ConfigLoader did not foresee (e.g. an unusable DATA_DIR path): still one line, never a trace.
            System.err.println("configuration could not be read: " + describe(e));
            System.exit(EXIT_BAD_CONFIG);
            return null;
        }
        LoggingSetup.configure(config.logLevel(), logFormat);
        FatalErrorGuard.install();
        LOG.info(() -> "starting: PostgreSQL protocol on " + config.gatewayHost() + ":" + config.proxyPort()
                + ", HTTP on " + config.gatewayHost() + ":" + config.gatewayPort());

        try {
            GatewayApplication app = GatewayApplication.start(config, settings);
            app.reloadFrom(() -> DotEnv.withEnvironment(System.getenv(), Path.of(".env")), logFormat);
            return app;
        } catch (Exception e) {
            // The stack trace only helps at debug level; the message says what failed.
            LOG.log(Level.SEVERE, "gateway did not start: " + describe(e), LOG.isLoggable(Level.FINE) ? e : null);
            System.exit(EXIT_START_FAILED);
            return null;
        }
    }

    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !b.toString().contains(cause.getMessage())) b.append(": ").append(cause.getMessage());
        }
        return b.toString();
    }
}
