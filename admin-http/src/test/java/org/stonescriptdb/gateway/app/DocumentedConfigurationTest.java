package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.ChildJvm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The README, docs/configuration.md and deploy/.env.example name every variable and give the real defaults. */
class DocumentedConfigurationTest {

    private static final Path ROOT = Path.of("..");

    @TempDir
    Path dir;

    @Test
    void everyVariableIsDocumented() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String docs = Files.readString(ROOT.resolve("docs/configuration.md"));
        String example = Files.readString(ROOT.resolve("deploy/.env.example"));
        for (String variable : ChildJvm.GATEWAY_VARIABLES) {
            if (!variable.equals("RUST_LOG")) assertThat(readme).as("README table").contains("| `" + variable + "` |");
            assertThat(docs).as("docs/configuration.md").contains("`" + variable + "`");
            if (!variable.equals("RUST_LOG")) assertThat(example).as(".env.example").contains("#" + variable + "=");
        }
    }

    @Test
    void theExampleFileShowsTheDefaults() throws Exception {
        // Uncomment every line that carries a value (not the backend ones, which would leave embedded mode).
        String uncommented = Files.readAllLines(ROOT.resolve("deploy/.env.example")).stream()
                .filter(l -> l.matches("#[A-Z_]+=\\S+") && !l.startsWith("#DATABASE_URL") && !l.startsWith("#DB_"))
                .map(l -> l.substring(1))
                .collect(Collectors.joining("\n"));
        assertThat(uncommented.lines().count()).isGreaterThanOrEqualTo(13);
        Path env = dir.resolve(".env");
        Files.writeString(env, uncommented);
        GatewayConfig fromExample = ConfigLoader.load(Map.of(), env);
        assertThat(fromExample).isEqualTo(GatewayConfig.defaults());
        assertThat(AdminSettings.load(Map.of(), env)).isEqualTo(AdminSettings.defaults());
        assertThat(uncommented).contains("MAX_UPLOAD_MB=");
    }

    @Test
    void theReadmeTableShowsTheDefaults() throws Exception {
        Map<String, String> table = Files.readAllLines(ROOT.resolve("README.md")).stream()
                .filter(l -> l.startsWith("| `"))
                .map(l -> l.split("\\|"))
                .collect(Collectors.toMap(c -> c[1].strip().replace("`", ""), c -> c[2].strip().replace("`", "")));
        GatewayConfig d = GatewayConfig.defaults();
        assertThat(table).containsEntry("DATA_DIR", d.dataDir().toString())
                .containsEntry("GATEWAY_HOST", d.gatewayHost())
                .containsEntry("GATEWAY_PORT", Integer.toString(d.gatewayPort()))
                .containsEntry("PROXY_PORT", Integer.toString(d.proxyPort()))
                .containsEntry("ALLOWED_NETWORKS", String.join(",", d.allowedNetworks().stream().map(Object::toString).toList()))
                .containsEntry("MAX_CONNECTIONS_PER_POOL", Integer.toString(d.maxConnectionsPerPool()))
                .containsEntry("MAX_TOTAL_CONNECTIONS", Integer.toString(d.maxTotalConnections()))
                .containsEntry("MAX_POOLS", Integer.toString(d.maxPools()))
                .containsEntry("POOL_IDLE_TIMEOUT_SECS", Long.toString(d.poolIdleTimeout().toSeconds()))
                .containsEntry("POOL_MAX_LIFETIME_SECS", Long.toString(d.poolMaxLifetime().toSeconds()))
                .containsEntry("CONNECTION_TIMEOUT_SECS", Long.toString(d.connectionTimeout().toSeconds()))
                .containsEntry("POOL_MODE", d.poolMode().name().toLowerCase())
                .containsEntry("LOG_LEVEL", d.logLevel())
                .containsEntry("MAX_UPLOAD_MB", Integer.toString(AdminSettings.DEFAULT_MAX_UPLOAD_MB))
                .containsEntry("UNTRUSTED_EXTENSIONS", AdminSettings.defaults().untrustedExtensions().isEmpty() ? "empty" : "?")
                .containsEntry("SESSION_RESET", d.sessionReset() ? "on" : "off")
                .containsEntry("POOL_LINGER_MICROS", Long.toString(d.linger().window().toNanos() / 1_000))
                .containsEntry("POOL_LINGER_MAX_TRANSACTIONS", Integer.toString(d.linger().maxTransactions()))
                .containsEntry("MAX_CLIENT_CONNECTIONS", Integer.toString(d.limits().maxClientConnections()))
                .containsEntry("MAX_CLIENT_CONNECTIONS_PER_ADDRESS", Integer.toString(d.limits().maxClientConnectionsPerAddress()))
                .containsEntry("CLIENT_LOGIN_TIMEOUT_SECS", Long.toString(d.limits().clientLoginTimeout().toSeconds()))
                .containsEntry("MAX_MESSAGE_BYTES", Integer.toString(d.limits().maxMessageBytes()))
                .containsEntry("MAX_CLIENT_STATEMENTS", Integer.toString(d.limits().maxStatementsPerClient()))
                .containsEntry("MAX_CLIENT_STATEMENT_BYTES", Long.toString(d.limits().maxStatementBytesPerClient()))
                .containsEntry("HTTP_MAX_CONNECTIONS", Integer.toString(d.limits().httpMaxConnections()))
                .containsEntry("HTTP_REQUEST_TIMEOUT_SECS", Long.toString(d.limits().httpRequestTimeout().toSeconds()))
                .containsEntry("HTTP_IDLE_TIMEOUT_SECS", Long.toString(d.limits().httpIdleTimeout().toSeconds()))
                .containsEntry("HTTP_MAX_RESULT_BYTES", Long.toString(d.limits().httpMaxResultBytes()));
        assertThat(List.of(table.get("DB_PORT"), table.get("DB_NAME"), table.get("DB_USER"))).containsExactly("5432", "postgres", "postgres");
    }
}
