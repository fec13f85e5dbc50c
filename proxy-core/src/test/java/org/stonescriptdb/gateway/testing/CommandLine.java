package org.stonescriptdb.gateway.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs PostgreSQL's command-line clients (psql, pgbench) with a deadline and without any password prompt. */
public final class CommandLine {

    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> lines() {
            return stdout.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private CommandLine() {
    }

    /** True when the tool runs; Debian's pg_wrapper exits non-zero when no server package is installed. */
    public static boolean available(String tool) {
        try {
            return run(Duration.ofSeconds(10), Map.of(), tool, "--version").exitCode() == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static Result run(Duration timeout, Map<String, String> extraEnv, String... command) {
        File out = null;
        File err = null;
        try {
            out = File.createTempFile("cmd", ".out");
            err = File.createTempFile("cmd", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out)
                    .redirectError(err);
            Map<String, String> env = pb.environment();
            // Nothing from the developer's shell may change where or how the tools connect.
            env.keySet().removeIf(k -> k.startsWith("PG"));
            env.put("PGCONNECT_TIMEOUT", "5");
            env.put("PSQLRC", "/dev/null");
            env.put("LC_ALL", "C");
            env.putAll(extraEnv);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                        + "\n--- stdout\n" + Files.readString(out.toPath()) + "--- stderr\n" + Files.readString(err.toPath()));
            }
            return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command[0], e);
        } finally {
            if (out != null) out.delete();
            if (err != null) err.delete();
        }
    }
}
