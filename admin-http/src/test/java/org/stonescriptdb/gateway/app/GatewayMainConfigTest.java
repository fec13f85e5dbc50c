package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.support.ChildJvm;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code main} in a child JVM: a bad configuration stops start-up with exit status 2 and one line
 * naming the variable and the accepted form; a failed start-up exits 1 with one log line and no stack trace.
 */
class GatewayMainConfigTest {

    @TempDir
    Path dir;

    @Test
    void badEnvironmentValueIsOneLineAndExitTwo() throws Exception {
        Result r = run(Map.of("PROXY_PORT", "sixty-four"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("PROXY_PORT must be a whole number from 0 to 65535, got 'sixty-four'");
    }

    @Test
    void badDatabaseUrlNamesTheVariableAndTheForm() throws Exception {
        Result r = run(Map.of("DATABASE_URL", "mysql://db:3306/x"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).hasSize(1);
        assertThat(r.stderr.get(0)).startsWith("DATABASE_URL must look like postgres://");
    }

    @Test
    void badUploadLimitIsOneLineAndExitTwo() throws Exception {
        Result r = run(Map.of("MAX_UPLOAD_MB", "0"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("MAX_UPLOAD_MB must be a whole number from 1 to 4096, got '0'");
    }

    @Test
    void aBadLogFormatIsOneLineAndExitTwo() throws Exception {
        Result r = run(Map.of("LOG_FORMAT", "xml"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("LOG_FORMAT must be text or json, got 'xml'");
    }

    @Test
    void aBadUntrustedExtensionIsOneLineAndExitTwo() throws Exception {
        Result r = run(Map.of("UNTRUSTED_EXTENSIONS", "dblink, Bad Name"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("UNTRUSTED_EXTENSIONS must be comma-separated extension names (lower-case letters,"
                + " digits, '_' and '-'), got 'Bad Name'");
    }

    @Test
    void backendPortZeroIsRefused() throws Exception {
        Result r = run(Map.of("DB_HOST", "db.internal", "DB_PORT", "0"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("DB_PORT must be a whole number from 1 to 65535, got '0'");
    }

    @Test
    void databaseUrlWithoutUserIsRefusedInOneLine() throws Exception {
        Result r = run(Map.of("DATABASE_URL", "postgres://:secret@db.internal:5432/postgres"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).hasSize(1);
        assertThat(r.stderr.get(0)).startsWith("DATABASE_URL must look like postgres://").contains("user is empty")
                .doesNotContain("secret");
    }

    @Test
    void argumentsAreRefused() throws Exception {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = ChildJvm.start(GatewayMain.class, dir, Map.of(), out, err, "--port", "1");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(err)).contains("configured by environment variables");
    }

    @Test
    void badValueInDotEnvIsReportedTheSameWay() throws Exception {
        Files.writeString(dir.resolve(".env"), "# local settings\nPOOL_MODE=statement\n");
        Result r = run(Map.of());
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("POOL_MODE must be 'transaction' or 'session', got 'statement'");
    }

    @Test
    void aMalformedDotEnvLineIsReportedTheSameWay() throws Exception {
        Files.writeString(dir.resolve(".env"), "# local settings\nPOOL_MODE session\n");
        Result r = run(Map.of());
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly(".env line 2 has no '=': expected KEY=value, a comment starting with # or a blank line");
    }

    @Test
    void realEnvironmentWinsOverDotEnv() throws Exception {
        Files.writeString(dir.resolve(".env"), "MAX_POOLS=lots\n");
        Result r = run(Map.of("MAX_POOLS", "0"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.stderr).containsExactly("MAX_POOLS must be a whole number from 1 to 100000, got '0'");
    }

    @Test
    void aStartFailureIsOneLogLineNamingThePortAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Result r = run(Map.of("DATA_DIR", dir.resolve("data").toString(), "GATEWAY_PORT", "0",
                    "PROXY_PORT", Integer.toString(taken.getLocalPort())));
            assertThat(r.exit).isEqualTo(1);
            assertThat(r.stderr).anySatisfy(line -> assertThat(line)
                    .contains("ERROR GatewayMain - gateway did not start: the proxy could not start on 127.0.0.1:" + taken.getLocalPort())
                    .contains("PROXY_PORT"));
            assertThat(r.stderr).noneSatisfy(line -> assertThat(line).startsWith("\tat "));
        }
        assertThat(dir.resolve("data/postgres/postmaster.pid")).as("embedded server stopped").doesNotExist();
    }

    private Result run(Map<String, String> env) throws Exception {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = ChildJvm.start(GatewayMain.class, dir, env, out, err);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("gateway exited").isTrue();
        return new Result(p.exitValue(), Files.readAllLines(err).stream().filter(l -> !l.isBlank()).toList());
    }

    private record Result(int exit, List<String> stderr) {
    }
}
