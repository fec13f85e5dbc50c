package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartupParametersTest {

    private static Map<String, String> packet(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    // ---- options ----

    @Test
    void dashCWithSeparateArgument() {
        assertThat(StartupParameters.parseOptions("-c search_path=app")).containsExactlyEntriesOf(Map.of("search_path", "app"));
    }

    @Test
    void dashCJoined() {
        assertThat(StartupParameters.parseOptions("-csearch_path=app")).containsExactlyEntriesOf(Map.of("search_path", "app"));
    }

    @Test
    void doubleDashLongOptionTurnsDashesIntoUnderscores() {
        assertThat(StartupParameters.parseOptions("--statement-timeout=5s")).containsExactlyEntriesOf(Map.of("statement_timeout", "5s"));
        assertThat(StartupParameters.parseOptions("-c lock-timeout=1-2")).containsExactlyEntriesOf(Map.of("lock_timeout", "1-2"));
    }

    @Test
    void backslashEscapesSpacesAndBackslashes() {
        assertThat(StartupParameters.parseOptions("-c application_name=my\\ app\\\\x"))
                .containsExactlyEntriesOf(Map.of("application_name", "my app\\x"));
        assertThat(StartupParameters.parseOptions("-c search_path=a,\\ b")).containsExactlyEntriesOf(Map.of("search_path", "a, b"));
    }

    @Test
    void severalOptionsInOrderWithAnyWhitespace() {
        Map<String, String> parsed = StartupParameters.parseOptions("  -c a=1\t-cb=2\n--c-d=3   -c e=x=y ");
        assertThat(parsed).containsExactlyEntriesOf(packet("a", "1", "b", "2", "c_d", "3", "e", "x=y"));
    }

    @Test
    void laterOptionWins() {
        assertThat(StartupParameters.parseOptions("-c a=1 -c a=2")).containsExactlyEntriesOf(Map.of("a", "2"));
    }

    @Test
    void otherSwitchesAndIncompleteOptionsAreIgnored() {
        assertThat(StartupParameters.parseOptions("")).isEmpty();
        assertThat(StartupParameters.parseOptions("-d 5 -F")).isEmpty();
        assertThat(StartupParameters.parseOptions("-c")).isEmpty();
        assertThat(StartupParameters.parseOptions("-c novalue")).isEmpty();
        assertThat(StartupParameters.parseOptions("-c =value")).isEmpty();
        assertThat(StartupParameters.parseOptions("plain")).isEmpty();
        assertThat(StartupParameters.parseOptions("-c a= -c b=2")).containsExactlyEntriesOf(packet("a", "", "b", "2"));
    }

    // ---- from(packet) ----

    @Test
    void settingsAreThePlainParametersAndTheOptions() {
        StartupParameters p = StartupParameters.from(packet("user", "alice", "database", "demo_main", "application_name", "psql",
                "client_encoding", "UTF8", "options", "-c search_path=app --work-mem=64MB", "replication", "false"));
        assertEquals("alice", p.user());
        assertEquals("demo_main", p.database());
        assertThat(p.settings()).containsExactlyEntriesOf(packet("application_name", "psql", "client_encoding", "UTF8",
                "search_path", "app", "work_mem", "64MB"));
        assertThat(p.unknownProtocolOptions()).isEmpty();
        assertFalse(p.needsProtocolNegotiation());
    }

    @Test
    void databaseDefaultsToUser() {
        assertEquals("bob", StartupParameters.from(packet("user", "bob")).database());
        assertEquals("bob", StartupParameters.from(packet("user", "bob", "database", "")).database());
        assertNull(StartupParameters.from(packet()).user());
        assertNull(StartupParameters.from(packet()).database());
    }

    @Test
    void protocolOptionsAreCollectedNotTreatedAsSettings() {
        StartupParameters p = StartupParameters.from(packet("user", "u", "_pq_.command_tag", "x", "timezone", "UTC",
                "_pq_.other", "y"), 0);
        assertEquals(List.of("_pq_.command_tag", "_pq_.other"), p.unknownProtocolOptions());
        assertThat(p.settings()).containsExactlyEntriesOf(Map.of("timezone", "UTC"));
        assertTrue(p.needsProtocolNegotiation());
        assertThat(p.unknownProtocolOptions()).isUnmodifiable();
    }

    @Test
    void newerMinorVersionNeedsNegotiation() {
        StartupParameters p = StartupParameters.from(packet("user", "u"), 2);
        assertEquals(2, p.requestedMinorVersion());
        assertTrue(p.needsProtocolNegotiation());
        assertFalse(StartupParameters.from(packet("user", "u")).needsProtocolNegotiation());
    }

    @Test
    void replicationValues() {
        for (String yes : List.of("true", "database", "on", "yes", "1", "TRUE", "Database", "anything-else")) {
            StartupParameters p = StartupParameters.from(packet("user", "u", "replication", yes));
            assertTrue(p.wantsReplication(), yes);
            assertEquals(yes, p.replication());
            assertThat(p.settings()).doesNotContainKey("replication");
        }
        for (String no : List.of("false", "off", "no", "0", "FALSE", "Off")) {
            assertFalse(StartupParameters.from(packet("user", "u", "replication", no)).wantsReplication(), no);
        }
        assertFalse(StartupParameters.from(packet("user", "u")).wantsReplication());
    }

    /**
     * PostgreSQL applies the {@code options} switches first and the plain startup parameters after them
     * (postinit.c process_startup_options), so a plain parameter wins over the same setting in {@code options}.
     * Here {@code options} is applied last and wins, so the session differs from a direct connection.
     */
    @Test
    void plainStartupParameterWinsOverOptionsLikePostgres() {
        StartupParameters p = StartupParameters.from(packet("user", "u", "options", "-c application_name=from-options",
                "application_name", "plain"));
        assertEquals("plain", p.settings().get("application_name"));
    }

    @Test
    void plainParameterWinsWhateverTheCaseAndOptionsFillTheRest() {
        StartupParameters p = StartupParameters.from(packet("user", "u", "options", "-c Application_Name=opt -c search_path=app --work-mem=1MB",
                "application_name", "plain", "WORK_MEM", "2MB"));
        assertThat(p.settings()).containsExactlyEntriesOf(packet("application_name", "plain", "WORK_MEM", "2MB", "search_path", "app"));
    }

    @Test
    void laterOptionWinsWhateverTheCase() {
        assertThat(StartupParameters.parseOptions("-c a=1 -c b=2 -c A=3")).containsExactlyEntriesOf(packet("b", "2", "A", "3"));
        assertThat(StartupParameters.parseOptions("-c a=1 -c b=2 -c a=3")).containsExactlyEntriesOf(packet("a", "3", "b", "2"));
    }
}
