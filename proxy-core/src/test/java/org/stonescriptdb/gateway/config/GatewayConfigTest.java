package org.stonescriptdb.gateway.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayConfigTest {

    @Test
    void toStringNamesTheApiKeysButNeverShowsThem() {
        GatewayConfig c = ConfigLoader.load(Map.of(
                "API_KEY_ADMIN", "admin-secret-123",
                "API_KEY_DEMO", "demo-secret-456",
                "DATABASE_URL", "postgres://gw:db-secret-789@db.internal:5433/maint"), null);
        String s = c.toString();
        assertThat(s).doesNotContain("admin-secret-123", "demo-secret-456", "db-secret-789")
                .contains("apiKeys={admin=<redacted>, demo=<redacted>}")
                .contains("backend=BackendTarget[gw@db.internal:5433/maint]")
                .contains("proxyPort=6432", "poolMode=", "logLevel=info", "allowedNetworks=[127.0.0.0/8, ::1/128]");
        // The keys themselves are still there for the code that checks them.
        assertThat(c.apiKeys()).containsEntry("admin", "admin-secret-123");
    }

    @Test
    void toStringWithNoKeysAndNoBackend() {
        String s = GatewayConfig.defaults().toString();
        assertThat(s).startsWith("GatewayConfig[backend=null,").contains("apiKeys={}").endsWith("]");
    }

    @Test
    void backendTargetToStringHidesThePassword() {
        BackendTarget b = new BackendTarget("h", 5432, "postgres", "u", "hunter2");
        assertThat(b.toString()).doesNotContain("hunter2").isEqualTo("BackendTarget[u@h:5432/postgres]");
        assertThat(b.withPort(6000).toString()).doesNotContain("hunter2");
    }
}
