package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.support.ChildJvm;
import org.stonescriptdb.gateway.testsupport.Await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway killed with SIGKILL leaves its embedded PostgreSQL running; the next start on the same
 * DATA_DIR stops that server and starts its own on the same data.
 */
class OrphanedServerTest {

    @TempDir
    Path dir;

    /** Runs an embedded backend in a child JVM, writes a row, prints its pid, then waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            EmbeddedBackend pg = EmbeddedBackend.start(Path.of(args.length > 0 ? args[0] : "data/postgres"), 30);
            try (Connection c = DriverManager.getConnection(pg.target().jdbcUrl("postgres"), "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE survivor (id int)");
                s.execute("INSERT INTO survivor VALUES (7)");
            }
            System.out.println("READY");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE); // holds the server until the test kills this JVM
        }
    }

    @Test
    void theNextStartStopsTheLeftOverServerAndKeepsTheData() throws Exception {
        Path out = dir.resolve("stdout.txt");
        Process holder = ChildJvm.start(Holder.class, dir, Map.of(), out, dir.resolve("stderr.txt"));
        try {
            Await.until(Duration.ofSeconds(60), () -> {
                assertThat(holder.isAlive()).as(() -> "holder died: " + read(dir.resolve("stderr.txt"))).isTrue();
                return Files.exists(out) && read(out).contains("READY");
            }, "the holder to be READY");
        } finally {
            holder.destroyForcibly(); // SIGKILL: no shutdown hooks, the postmaster is orphaned
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        Path pgDir = dir.resolve("data/postgres");
        long orphan = Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).get(0).strip());
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("postmaster outlived its JVM").hasValue(true);

        try (EmbeddedBackend pg = EmbeddedBackend.start(pgDir, 30);
             Connection c = DriverManager.getConnection(pg.target().jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM survivor")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(no output)";
        }
    }
}
