package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.ChildJvm;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.Await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway in a child JVM started the bare way ({@code java}, no {@code -XX:+ExitOnOutOfMemoryError}; the flag is
 * even switched off, so the JVM cannot be what ends the process) and then broken: every way must end in an exit a
 * supervisor restarts, within seconds. Without the gateway's own guard each of these processes stays up.
 */
class ProcessEndsTest {

    /** The JVM is told not to exit on OutOfMemoryError, whatever JAVA_TOOL_OPTIONS says: the gateway must do it itself. */
    private static final String NO_EXIT_ON_OOM = "-XX:-ExitOnOutOfMemoryError";
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws Exception {
        for (Process p : started) p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        // A halted (or killed) gateway leaves its embedded server running, as kill -9 would; stop it like the next start does.
        Path pidFile = dir.resolve("data/postgres/postmaster.pid");
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            // Only if that pid is still a postgres of this directory: a stale file may name a reused pid.
            ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains(dir.toString())).ifPresent(server -> {
                server.destroy();
                server.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
        }
    }

    @Test
    void anOutOfMemoryErrorInAnEventLoopTaskEndsTheProcessWithThree() throws Exception {
        Child gateway = hostile("out-of-memory-in-a-loop-task", List.of("-Xmx64m", NO_EXIT_ON_OOM), Map.of());
        gateway.awaitStdout("hostile: out-of-memory-in-a-loop-task begins");
        assertThat(gateway.exitsWithin(PROMPTLY)).as(gateway::stderr).isEqualTo(GatewayMain.EXIT_FATAL);
        assertThat(gateway.stderr()).contains("fatal: java.lang.OutOfMemoryError: Java heap space")
                .contains("caught and logged by io.netty").contains("exit status 3");
    }

    @Test
    void aHeapThatStaysFullStillEndsTheProcessWithThree() throws Exception {
        Child gateway = hostile("heap-exhausted-in-a-loop-task", List.of("-Xmx64m", NO_EXIT_ON_OOM), Map.of());
        gateway.awaitStdout("hostile: heap-exhausted-in-a-loop-task begins");
        // No line is promised here: with no memory left even writing one may fail. The exit is.
        assertThat(gateway.exitsWithin(Duration.ofSeconds(30))).as(gateway::stderr).isEqualTo(GatewayMain.EXIT_FATAL);
    }

    @Test
    void anEventLoopWhoseThreadDiesEndsTheProcessWithThree() throws Exception {
        // The loop is killed through its I/O handler, which the test can reach on the NIO transport.
        Child gateway = hostile("event-loop-thread-dies", List.of(NO_EXIT_ON_OOM), Map.of("IO_TRANSPORT", "nio"));
        gateway.awaitStdout("hostile: event-loop-thread-dies begins");
        assertThat(gateway.exitsWithin(PROMPTLY)).as(gateway::stderr).isEqualTo(GatewayMain.EXIT_FATAL);
        assertThat(gateway.stderr()).containsPattern("fatal: gateway-io event loop [12] of 2 terminated unexpectedly")
                .contains("exit status 3");
    }

    @Test
    void sigtermEndsAGatewayWhoseEventLoopsAreAllBlocked() throws Exception {
        Child gateway = hostile("every-event-loop-blocked", List.of(), Map.of());
        gateway.awaitStdout("hostile: every-event-loop-blocked under way");
        gateway.process.destroy(); // SIGTERM
        long signalled = System.nanoTime();
        Duration limit = StopDeadline.AFTER.plusSeconds(5);
        assertThat(gateway.exitsWithin(limit)).as(gateway::stderr).isEqualTo(GatewayMain.EXIT_FORCED_STOP);
        assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("not before the drain time").isGreaterThanOrEqualTo(StopDeadline.AFTER.minusSeconds(1));
        assertThat(gateway.stderr()).contains("SIGTERM received")
                .contains("the graceful stop did not finish within " + StopDeadline.AFTER.toSeconds() + " s")
                .contains("exit status 4");
    }

    /**
     * The real main, no test code in the child: a client that says its next message is a gigabyte long makes the proxy
     * allocate for it on an event loop, which a small heap cannot give. The process ends with 3, and a start on the same
     * data directory — what a supervisor does next — finds the embedded server it left behind and serves again.
     */
    @Test
    void anOutOfMemoryErrorFromTheWireEndsTheProcessAndARestartServes() throws Exception {
        int proxyPort = freePort();
        Map<String, String> env = Map.of("DATA_DIR", dir.resolve("data").toString(), "GATEWAY_PORT", "0",
                "PROXY_PORT", Integer.toString(proxyPort), "MAX_MESSAGE_BYTES", "1073741823");
        Child gateway = start(GatewayMain.class, List.of("-Xmx96m", NO_EXIT_ON_OOM), env);
        gateway.awaitStderr("gateway ready");

        try (Socket client = new Socket("127.0.0.1", proxyPort)) {
            client.setSoTimeout(30_000);
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            logIn(out, new DataInputStream(client.getInputStream()), "demo_acme");
            out.writeByte('Q');
            out.writeInt(0x3FFF_FFF0);
            // In case the proxy gathers a long message as it arrives rather than all at once: keep sending until it gives.
            sendUntilRefused(out, 512L << 20);
        }
        assertThat(gateway.exitsWithin(PROMPTLY)).as(gateway::stderr).isEqualTo(GatewayMain.EXIT_FATAL);
        assertThat(gateway.stderr()).contains("fatal: ").contains("MemoryError").contains("exit status 3");

        GatewayConfig sameData = ConfigLoader.load(Map.of("DATA_DIR", dir.resolve("data").toString(), "GATEWAY_PORT", "0",
                "PROXY_PORT", "0"), null);
        try (GatewayApplication restarted = GatewayApplication.start(sameData)) {
            Http.Response health = new Http(restarted.httpPort(), null).get("/health");
            assertThat(health.status()).as(health.toString()).isEqualTo(200);
        }
    }

    private Child hostile(String act, List<String> jvmOptions, Map<String, String> extraEnvironment) throws IOException {
        BackendTarget backend = TestBackend.target();
        Map<String, String> env = new HashMap<>(Map.of("DB_HOST", backend.host(), "DB_PORT", Integer.toString(backend.port()),
                "DB_USER", backend.user(), "GATEWAY_PORT", "0", "PROXY_PORT", "0", "IO_THREADS", "2"));
        env.putAll(extraEnvironment);
        return start(HostileGatewayMain.class, jvmOptions, env, act);
    }

    private Child start(Class<?> main, List<String> jvmOptions, Map<String, String> env, String... args) throws IOException {
        Path stdout = dir.resolve("stdout-" + started.size() + ".txt");
        Path stderr = dir.resolve("stderr-" + started.size() + ".txt");
        Process p = ChildJvm.start(jvmOptions, main, dir, env, stdout, stderr, args);
        started.add(p);
        return new Child(p, stdout, stderr);
    }

    /** StartupMessage as user "app" (admitted by address, no password), then everything up to ReadyForQuery. */
    private static void logIn(DataOutputStream out, DataInputStream in, String database) throws IOException {
        byte[] parameters = ("user\0app\0database\0" + database + "\0\0").getBytes(StandardCharsets.UTF_8);
        out.writeInt(8 + parameters.length);
        out.writeInt(196_608); // protocol 3.0
        out.write(parameters);
        out.flush();
        while (true) {
            byte type = in.readByte();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            if (type == 'E') throw new AssertionError("login refused: " + new String(body, StandardCharsets.UTF_8));
            if (type == 'Z') return;
        }
    }

    private static void sendUntilRefused(OutputStream out, long atMost) {
        byte[] chunk = new byte[64 * 1024];
        try {
            for (long sent = 0; sent < atMost; sent += chunk.length) out.write(chunk);
            out.flush();
        } catch (IOException closed) {
            // the gateway went away mid-message: what it should do
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private record Child(Process process, Path stdoutFile, Path stderrFile) {

        void awaitStdout(String text) throws Exception {
            await(stdoutFile, text);
        }

        void awaitStderr(String text) throws Exception {
            await(stderrFile, text);
        }

        private void await(Path file, String text) {
            Await.until(START, () -> {
                if (read(file).contains(text)) return true;
                assertThat(process.isAlive()).as(() -> "the gateway ended before '" + text + "' (exit " + process.exitValue() + "): "
                        + stderr()).isTrue();
                return false;
            }, () -> "'" + text + "': " + stderr());
        }

        /** The exit status, or an AssertionError when the process is still there after {@code limit}. */
        int exitsWithin(Duration limit) throws InterruptedException {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("still running " + limit.toSeconds() + " s later: " + stderr());
            }
            return process.exitValue();
        }

        String stderr() {
            return read(stderrFile);
        }

        private static String read(Path file) {
            try {
                return Files.exists(file) ? Files.readString(file) : "";
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }
}
