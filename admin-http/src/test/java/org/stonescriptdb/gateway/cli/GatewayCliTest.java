package org.stonescriptdb.gateway.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.support.AdminGateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The CI command line against the example bundles and a running gateway, in-process. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayCliTest {

    private static final Path V1 = Path.of("..", "examples", "clinic", "v1", "postgresql");
    private static final Path V2 = Path.of("..", "examples", "clinic", "v2", "postgresql");
    private static AdminGateway gateway;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        gateway = AdminGateway.start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit = new GatewayCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("GATEWAY_API_KEY", AdminGateway.ADMIN_KEY)).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String url() {
        return "http://127.0.0.1:" + gateway.httpPort();
    }

    @Test
    void packWritesABundleTheGatewayReadsBack() throws IOException {
        Path archive = dir.resolve("clinic-v1.tar.gz");
        Run r = cli("pack", V1.toString(), archive.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Bundle.fromTarGz(Files.readAllBytes(archive)).checksum()).isEqualTo(Bundle.fromDirectory(V1).checksum());
    }

    @Test
    void aBrokenFolderFailsBeforeAnyUploadWithExitTwo() throws IOException {
        Path broken = copy(V1, dir.resolve("broken"));
        Files.writeString(broken.resolve("tables/patients.pssql"), "CREATE TABLE patients (id bigint PRIMARY KEY, name text");
        Run r = cli("pack", broken.toString(), dir.resolve("x.tar.gz").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("is not a bundle the gateway would take");
        assertThat(Files.exists(dir.resolve("x.tar.gz"))).isFalse();
        Run deploy = cli("migrate", "--url", "http://127.0.0.1:1", "--platform", "clinic", broken.toString());
        assertThat(deploy.exit()).as("checked before the upload").isEqualTo(2);
    }

    @Test
    void badCommandLinesAreExitTwoWithTheUsage() {
        assertThat(cli().exit()).isEqualTo(2);
        assertThat(cli("deploy").err()).contains("unknown command 'deploy'").contains("usage:");
        assertThat(cli("migrate", "--platform", "clinic", V1.toString()).err()).contains("needs --url and --platform");
        assertThat(cli("register", "--url", url(), "--platform", "clinic", "--dry-run", V1.toString()).err()).contains("--dry-run is for migrate");
        assertThat(cli("migrate", "--url", url(), "--platform", "clinic", "--bogus", V1.toString()).exit()).isEqualTo(2);
    }

    @Test
    void registerThenMigratePrintEachDatabaseAndAFailureIsExitOne() throws IOException {
        Run registered = cli("register", "--url", url(), "--platform", "clitest", V1.toString());
        assertThat(registered.exit()).as(registered.toString()).isZero();
        assertThat(registered.out()).contains("clitest_main").contains("applied").contains("done: HTTP 200");

        Run dryRun = cli("migrate", "--url", url(), "--platform", "clitest", "--dry-run", V2.toString());
        assertThat(dryRun.exit()).as(dryRun.toString()).isZero();
        assertThat(dryRun.out()).contains("clitest_main").contains("done: HTTP 200");

        Path failing = copy(V2, dir.resolve("failing"));
        Files.writeString(failing.resolve("migrations/9_boom.pssql"), "DO $$ BEGIN RAISE EXCEPTION 'boom in a migration'; END $$;\n");
        Run failed = cli("migrate", "--url", url(), "--platform", "clitest", failing.toString());
        assertThat(failed.exit()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.out()).contains("clitest_main").contains("failed").contains("boom in a migration").contains("done: HTTP 422");
    }

    @Test
    void aRefusedRequestIsExitOneWithTheGatewaysError() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit = new GatewayCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Map.of())
                .run(new String[]{"migrate", "--url", url(), "--platform", "clinic", "--key", "wrong", V1.toString()});
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HTTP 403").contains("forbidden");
        Run unreachable = cli("migrate", "--url", "http://127.0.0.1:1", "--platform", "clinic", V1.toString());
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("could not reach the gateway");
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        return to;
    }
}
