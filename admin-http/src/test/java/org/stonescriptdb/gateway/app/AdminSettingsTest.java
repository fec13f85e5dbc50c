package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminSettingsTest {

    @TempDir
    Path dir;

    @Test
    void untrustedExtensionsAreNoneByDefault() {
        assertThat(AdminSettings.load(Map.of(), null).untrustedExtensions()).isEmpty();
        assertThat(AdminSettings.load(Map.of("UNTRUSTED_EXTENSIONS", " "), null).untrustedExtensions()).isEmpty();
        assertThat(AdminSettings.defaults().untrustedExtensions()).isEmpty();
    }

    @Test
    void untrustedExtensionsAreCommaSeparatedNames() {
        assertThat(AdminSettings.load(Map.of("UNTRUSTED_EXTENSIONS", "postgres_fdw, dblink,pg-foo2,"), null).untrustedExtensions())
                .containsExactly("dblink", "pg-foo2", "postgres_fdw");
    }

    @Test
    void untrustedExtensionsAreReadFromDotEnvAndTheEnvironmentWins() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "UNTRUSTED_EXTENSIONS=\"dblink\"\n");
        assertThat(AdminSettings.load(Map.of(), env).untrustedExtensions()).containsExactly("dblink");
        assertThat(AdminSettings.load(Map.of("UNTRUSTED_EXTENSIONS", "postgres_fdw"), env).untrustedExtensions())
                .containsExactly("postgres_fdw");
    }

    @Test
    void aBadExtensionNameIsRefusedNamingTheVariable() {
        for (String bad : new String[]{"dblink,Postgres_FDW", "dblink;drop", "\"dblink\"", "db link", "dblink,a.b"}) {
            assertThatThrownBy(() -> AdminSettings.load(Map.of("UNTRUSTED_EXTENSIONS", bad), null)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("UNTRUSTED_EXTENSIONS must be comma-separated extension names");
        }
        assertThatThrownBy(() -> AdminSettings.load(Map.of("UNTRUSTED_EXTENSIONS", "dblink,Postgres_FDW"), null))
                .hasMessageEndingWith("got 'Postgres_FDW'");
    }

    @Test
    void deployTimeoutsDefaultToAFewSecondsForLocksAndFiveMinutesForStatements() {
        AdminSettings s = AdminSettings.load(Map.of(), null);
        assertThat(s.deployOptions().lockTimeout()).isEqualTo(Duration.ofMillis(3000));
        assertThat(s.deployOptions().statementTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(s.deployOptions().lockRetry().maxAttempts()).isGreaterThan(1);
        assertThat(s).isEqualTo(AdminSettings.defaults());
    }

    @Test
    void deployTimeoutsAreRead() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "DEPLOY_STATEMENT_TIMEOUT_SECS=45\n");
        AdminSettings s = AdminSettings.load(Map.of("DEPLOY_LOCK_TIMEOUT_MS", " 250 "), env);
        assertThat(s.deployOptions().lockTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.deployOptions().statementTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(s.deployOptions().force()).isFalse();
        assertThat(s.deployOptions().dryRun()).isFalse();
    }

    @Test
    void aDeployTimeoutOfZeroOrNonsenseNamesTheVariable() {
        // 0 would mean "wait forever" to PostgreSQL: exactly what the setting exists to prevent.
        for (String bad : new String[]{"0", "-5", "3s", "600001"}) {
            assertThatThrownBy(() -> AdminSettings.load(Map.of("DEPLOY_LOCK_TIMEOUT_MS", bad), null)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("DEPLOY_LOCK_TIMEOUT_MS must be a whole number from 1 to 600000");
        }
        assertThatThrownBy(() -> AdminSettings.load(Map.of("DEPLOY_STATEMENT_TIMEOUT_SECS", "0"), null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("DEPLOY_STATEMENT_TIMEOUT_SECS");
    }

    @Test
    void fanOutParallelismDefaultsToFourAndIsRead() {
        assertThat(AdminSettings.load(Map.of(), null).deployOptions().parallelism()).isEqualTo(4);
        assertThat(AdminSettings.load(Map.of("DEPLOY_PARALLELISM", "8"), null).deployOptions().parallelism()).isEqualTo(8);
        for (String bad : new String[]{"0", "65", "four"}) {
            assertThatThrownBy(() -> AdminSettings.load(Map.of("DEPLOY_PARALLELISM", bad), null)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("DEPLOY_PARALLELISM must be a whole number from 1 to 64");
        }
    }
}
