package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StartupSettingsPolicyTest {

    @ParameterizedTest
    @ValueSource(strings = {"application_name", "client_encoding", "DateStyle", "TimeZone", "extra_float_digits", "search_path",
            "IntervalStyle", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "work_mem",
            "enable_seqscan", "myapp.tenant_id", "gateway.pool_mode"})
    void whatDriversAndApplicationsSendIsAllowed(String name) {
        assertThat(StartupSettingsPolicy.allowed(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"role", "ROLE", "session_authorization", "session_replication_role", "is_superuser",
            "log_statement", "zero_damaged_pages", "allow_system_table_mods", "shared_preload_libraries", "local_preload_libraries",
            "session_preload_libraries", "temp_file_limit", "no_such_setting", "gateway.anything", "auto_explain.log_min_duration",
            "pg_stat_statements.track", ".x", "a.", "a b.c", "app.x;drop"})
    void identityReplicationSuperuserAndUnknownSettingsAreRefused(String name) {
        assertThat(StartupSettingsPolicy.allowed(name)).isFalse();
    }

    @Test
    void theFirstRefusedSettingIsNamedAsTheClientSpelledIt() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("application_name", "x");
        settings.put("Session_Replication_Role", "replica");
        settings.put("role", "x");
        assertThat(StartupSettingsPolicy.firstRefused(settings)).isEqualTo("Session_Replication_Role");
        assertThat(StartupSettingsPolicy.firstRefused(Map.of("TimeZone", "UTC"))).isNull();
    }
}
