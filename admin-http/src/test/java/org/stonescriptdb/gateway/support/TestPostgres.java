package org.stonescriptdb.gateway.support;

import org.stonescriptdb.gateway.app.EmbeddedBackend;
import org.stonescriptdb.gateway.config.BackendTarget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One real PostgreSQL for the whole test JVM, started on first use and stopped when the JVM exits. */
public final class TestPostgres {

    private static EmbeddedBackend backend;

    private TestPostgres() {
    }

    public static synchronized BackendTarget target() {
        if (backend == null) {
            try {
                Path dir = Files.createTempDirectory("gateway-test-pg");
                backend = EmbeddedBackend.start(dir.resolve("postgres"), 100, false); // throw-away: no fsync
                EmbeddedBackend started = backend;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    started.close();
                    TestFiles.deleteRecursively(dir);
                }, "test-postgres-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return backend.target();
    }
}
