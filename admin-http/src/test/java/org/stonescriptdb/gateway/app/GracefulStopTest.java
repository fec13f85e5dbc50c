package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.support.ChildJvm;
import org.stonescriptdb.gateway.testsupport.Await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The real {@code main} in its own JVM, stopped with SIGTERM while a query runs: the query finishes,
 * the process exits 0 and the embedded server is stopped with it.
 */
class GracefulStopTest {

    @TempDir
    Path dir;

    @Test
    void sigtermLetsTheRunningQueryFinishThenStopsEverything() throws Exception {
        int httpPort = freePort();
        int proxyPort = freePort();
        Path stderr = dir.resolve("stderr.txt");
        Process gateway = startGateway(httpPort, proxyPort, stderr);
        try {
            awaitHealthy(gateway, httpPort, stderr);
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxyPort + "/demo_acme?user=app")) {
                CompletableFuture<Integer> query = CompletableFuture.supplyAsync(() -> {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 42 FROM pg_sleep(2)")) {
                        rs.next();
                        return rs.getInt(1);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                awaitRunning(proxyPort, "pg_sleep(2)");
                gateway.destroy(); // SIGTERM
                assertThat(query.get(15, TimeUnit.SECONDS)).isEqualTo(42);
            }
            assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).as("gateway exited").isTrue();
            assertThat(gateway.exitValue()).as(Files.readString(stderr)).isZero();
            assertThat(dir.resolve("data/postgres/postmaster.pid")).as("embedded server stopped").doesNotExist();
            assertThat(Files.readString(stderr)).contains("SIGTERM received").contains("stopped");
        } finally {
            gateway.destroyForcibly();
        }
    }

    /** SIGHUP reloads the settings (systemd's ExecReload): a key changed in ./.env is served, and the process goes on. */
    @Test
    void sighupReloadsTheDotEnvAndTheGatewayGoesOn() throws Exception {
        assumeFalse(sighupIgnoredHere(), "SIGHUP is ignored in this process tree (started under nohup?): a child"
                + " inherits that, and the gateway then leaves it ignored, as StopSignals says");
        int httpPort = freePort();
        Path stderr = dir.resolve("stderr.txt");
        Files.writeString(dir.resolve(".env"), "API_KEY_ADMIN=before-hup\n");
        Process gateway = startGateway(httpPort, freePort(), stderr);
        try {
            awaitHealthy(gateway, httpPort, stderr);
            assertThat(platformsWith(httpPort, "before-hup")).isEqualTo(200);
            Files.writeString(dir.resolve(".env"), "API_KEY_ADMIN=after-hup\n");
            Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(gateway.pid())).start();
            assertThat(hup.waitFor(10, TimeUnit.SECONDS)).isTrue();
            Await.until(Duration.ofSeconds(20), () -> platformsWith(httpPort, "after-hup") == 200,
                    () -> "the reloaded key served (gateway " + (gateway.isAlive() ? "running" : "exited with " + gateway.exitValue())
                            + "; its log: " + read(stderr) + ")");
            assertThat(platformsWith(httpPort, "before-hup")).isEqualTo(403);
            assertThat(gateway.isAlive()).as("SIGHUP does not stop the gateway").isTrue();
            // The summary is logged once everything is applied, a moment after the key is served.
            Await.until(Duration.ofSeconds(20), () -> read(stderr).contains("reloaded: API_KEY_*"), "the reload's summary in the log");
            assertThat(read(stderr)).contains("SIGHUP received");
        } finally {
            gateway.destroy(); // SIGTERM: the embedded server stops with it
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) gateway.destroyForcibly();
        }
    }

    /**
     * A SIGHUP while the gateway starts (here: while its embedded server initialises) neither ends the process nor is
     * lost: the settings are reloaded once it runs.
     */
    @Test
    void sighupDuringStartUpReloadsOnceTheGatewayRuns() throws Exception {
        assumeFalse(sighupIgnoredHere(), "SIGHUP is ignored in this process tree (started under nohup?)");
        int httpPort = freePort();
        Path stderr = dir.resolve("stderr.txt");
        Files.writeString(dir.resolve(".env"), "API_KEY_ADMIN=before-hup\n");
        Process gateway = startGateway(httpPort, freePort(), stderr);
        try {
            awaitStarting(gateway, stderr);
            Files.writeString(dir.resolve(".env"), "API_KEY_ADMIN=after-hup\n");
            signal("HUP", gateway);
            awaitHealthy(gateway, httpPort, stderr);
            Await.until(Duration.ofSeconds(20), () -> platformsWith(httpPort, "after-hup") == 200,
                    () -> "the key of the reload after start-up served; the gateway's log: " + read(stderr));
            assertThat(platformsWith(httpPort, "before-hup")).isEqualTo(403);
            assertThat(gateway.isAlive()).isTrue();
            assertThat(read(stderr)).contains("SIGHUP received during start-up");
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) gateway.destroyForcibly();
        }
    }

    /** A SIGTERM while the gateway starts stops it as soon as it runs: exit status 0, the embedded server stopped. */
    @Test
    void sigtermDuringStartUpStopsTheGatewayOnceItRuns() throws Exception {
        Path stderr = dir.resolve("stderr.txt");
        Process gateway = startGateway(freePort(), freePort(), stderr);
        try {
            awaitStarting(gateway, stderr);
            gateway.destroy(); // SIGTERM
            assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as(() -> "gateway exited: " + read(stderr)).isTrue();
            assertThat(gateway.exitValue()).as(() -> read(stderr)).isZero();
            assertThat(read(stderr)).contains("SIGTERM received during start-up").contains("gateway ready").contains("stopped");
            assertThat(dir.resolve("data/postgres/postmaster.pid")).as("embedded server stopped").doesNotExist();
        } finally {
            gateway.destroyForcibly();
        }
    }

    /** The real main in a child JVM, on the embedded server, in this test's directory (its .env is read there). */
    private Process startGateway(int httpPort, int proxyPort, Path stderr) throws java.io.IOException {
        return ChildJvm.start(GatewayMain.class, dir, Map.of(
                "DATA_DIR", dir.resolve("data").toString(),
                "GATEWAY_PORT", Integer.toString(httpPort),
                "PROXY_PORT", Integer.toString(proxyPort)), dir.resolve("stdout.txt"), stderr);
    }

    /** Until the gateway logs that it starts: its signal handlers are in place, and the start (embedded server) is ahead. */
    private static void awaitStarting(Process gateway, Path stderr) {
        Await.until(Duration.ofSeconds(30), () -> {
            assertThat(gateway.isAlive()).as(() -> "gateway died: " + read(stderr)).isTrue();
            return read(stderr).contains("starting: PostgreSQL protocol on");
        }, () -> "the gateway's 'starting' line: " + read(stderr));
    }

    private static void signal(String name, Process process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    /** Whether this JVM was started with SIGHUP ignored (bit 0 of SigIgn in /proc/self/status; Linux only). */
    private static boolean sighupIgnoredHere() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return false;
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:"))
                .anyMatch(l -> (Long.parseUnsignedLong(l.substring("SigIgn:".length()).trim(), 16) & 1L) != 0);
    }

    private static int platformsWith(int httpPort, String key) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/platforms"))
                    .header("X-API-Key", key).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void awaitHealthy(Process gateway, int httpPort, Path stderr) {
        HttpClient client = HttpClient.newHttpClient();
        Await.until(Duration.ofSeconds(60), () -> {
            assertThat(gateway.isAlive()).as(() -> "gateway died: " + read(stderr)).isTrue();
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200;
            } catch (java.io.IOException notYet) {
                return false; // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, () -> "the gateway to be healthy: " + read(stderr));
    }

    /**
     * Waits until a query containing {@code fragment} runs on the child gateway's own server, asking through its proxy
     * (the sessions share the platform's role, so they see each other's query text).
     */
    private static void awaitRunning(int proxyPort, String fragment) throws SQLException {
        try (Connection watcher = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxyPort + "/demo_acme?user=app");
             PreparedStatement running = watcher.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE state = 'active' AND pid <> pg_backend_pid() AND strpos(query, ?) > 0")) {
            running.setString(1, fragment);
            Await.until(Duration.ofSeconds(10), () -> {
                try (ResultSet rs = running.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) > 0;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, "'" + fragment + "' running on the gateway's backend");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(no output)";
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
