package org.stonescriptdb.gateway.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a class's {@code main} in a separate JVM with the test classpath and a clean gateway environment. */
public final class ChildJvm {

    /** Every variable ConfigLoader (and AdminSettings) reads, removed so the developer's own environment cannot leak in. */
    public static final List<String> GATEWAY_VARIABLES = List.of("DATABASE_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER",
            "DB_PASSWORD", "DATA_DIR", "GATEWAY_HOST", "GATEWAY_PORT", "PROXY_PORT", "ALLOWED_NETWORKS", "CLIENT_AUTH",
            "MAX_CONNECTIONS_PER_POOL", "MAX_TOTAL_CONNECTIONS", "MAX_POOLS", "POOL_IDLE_TIMEOUT_SECS",
            "POOL_MAX_LIFETIME_SECS", "CONNECTION_TIMEOUT_SECS", "POOL_MODE", "SESSION_RESET", "POOL_LINGER_MICROS", "POOL_LINGER_MAX_TRANSACTIONS", "IO_THREADS", "IO_TRANSPORT",
            "IO_SPIN_MICROS", "LOG_LEVEL", "LOG_FORMAT", "RUST_LOG", "MAX_UPLOAD_MB", "MAX_CLIENT_CONNECTIONS", "MAX_CLIENT_CONNECTIONS_PER_ADDRESS",
            "CLIENT_LOGIN_TIMEOUT_SECS", "MAX_MESSAGE_BYTES", "MAX_CLIENT_STATEMENTS", "MAX_CLIENT_STATEMENT_BYTES",
            "HTTP_MAX_CONNECTIONS", "HTTP_REQUEST_TIMEOUT_SECS", "HTTP_IDLE_TIMEOUT_SECS", "HTTP_MAX_RESULT_BYTES", "UNTRUSTED_EXTENSIONS",
            "DEPLOY_LOCK_TIMEOUT_MS", "DEPLOY_STATEMENT_TIMEOUT_SECS", "DEPLOY_PARALLELISM");

    private ChildJvm() {
    }

    public static Process start(Class<?> mainClass, Path workingDirectory, Map<String, String> environment, Path stdout, Path stderr,
                                String... args) throws IOException {
        return start(List.of(), mainClass, workingDirectory, environment, stdout, stderr, args);
    }

    /** The same, with options for the child's JVM (a heap size, a -XX flag) before the class name. */
    public static Process start(List<String> jvmOptions, Class<?> mainClass, Path workingDirectory, Map<String, String> environment,
                                Path stdout, Path stderr, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().keySet().removeIf(k -> GATEWAY_VARIABLES.contains(k) || k.startsWith("API_KEY_") || k.startsWith("ALLOWED_NETWORKS_"));
        builder.environment().putAll(environment);
        return builder.start();
    }
}
