package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SessionStateClassifierTest {

    private static final Set<String> TRACKED = Set.of("application_name", "timezone", "datestyle", "client_encoding");

    /** A client with these reported parameters and no unreported startup settings. */
    private static SessionStateEffect classify(String sql) {
        return SessionStateClassifier.classify(sql, TRACKED, Set.of());
    }

    /** Every statement the classifier acts on passes the keyword pre-check, whatever its letter case. */
    @ParameterizedTest
    @ValueSource(strings = {
            "SET work_mem = '64MB'", "set Search_Path to x", "Reset work_mem", "RESET ALL", "LISTEN jobs",
            "PREPARE p AS SELECT 1", "LOAD 'auto_explain'", "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
            "CREATE TEMP TABLE t (a int)", "create temporary table t (a int)", "SELECT 1 INTO TEMPORARY t",
            "DEALLOCATE p", "DEALLOCATE ALL", "DISCARD ALL", "SELECT pg_advisory_lock(1)",
            "select pg_try_advisory_lock_shared(1)", "SELECT set_config('work_mem', '1MB', false)",
            "SET ROLE admin", "SET SESSION AUTHORIZATION admin", "SELECT 1; SET work_mem = '1MB'"})
    void statementsWithSessionEffectsAreNeverSkipped(String sql) {
        assertThat(SessionStateClassifier.mentionsSessionKeyword(sql)).isTrue();
        assertThat(classify(sql)).isNotInstanceOf(SessionStateEffect.None.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT abalance FROM pgbench_accounts WHERE aid = 4711;", "BEGIN", "COMMIT", "INSERT INTO t VALUES (1)",
            "SELECT now()", "", "SELECT 'ünïcödé' AS x"})
    void everydayQueriesSkipTheScanner(String sql) {
        assertThat(SessionStateClassifier.mentionsSessionKeyword(sql)).isFalse();
        assertThat(classify(sql)).isInstanceOf(SessionStateEffect.None.class);
    }

    /** A keyword inside a literal passes the pre-check but the scanner still finds no session effect. */
    @ParameterizedTest
    @ValueSource(strings = {"UPDATE t SET a = 1", "SELECT 'SET work_mem = 1'", "SELECT * FROM temperatures", "SELECT offset_x FROM t"})
    void falsePositivesOfThePreCheckAreScannedAndCleared(String sql) {
        assertThat(SessionStateClassifier.mentionsSessionKeyword(sql)).isTrue();
        assertThat(classify(sql)).isInstanceOf(SessionStateEffect.None.class);
    }

    /** Statements that return a tracked setting to the backend's default, which the gateway then puts back. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "RESET TimeZone|timezone", "reset time zone|timezone", "SET TIME ZONE LOCAL|timezone", "set time zone default|timezone",
            "SET application_name TO DEFAULT|application_name", "set session DateStyle = default|datestyle"})
    void resetsOfTrackedSettingsNameTheSetting(String sql, String name) {
        assertThat(classify(sql)).isEqualTo(SessionStateEffect.ResetSettings.of(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET TimeZone = 'UTC'", "SET TIME ZONE 'Europe/Rome'", "SET application_name = 'default'",
            "SET LOCAL TimeZone TO DEFAULT", "SET DateStyle TO DEFAULT, ISO"})
    void aSetToAValueIsNoReset(String sql) {
        assertThat(classify(sql)).isInstanceOf(SessionStateEffect.None.class);
    }

    @Test
    void severalResetsInOneQueryAddUpAndDiscardAllResetsEverything() {
        assertThat(classify("RESET TimeZone; RESET application_name"))
                .isEqualTo(new SessionStateEffect.ResetSettings(false, Set.of("timezone", "application_name")));
        assertThat(classify("RESET TimeZone; RESET ALL")).isEqualTo(SessionStateEffect.ResetSettings.ALL);
        assertThat(SessionStateEffect.resets(classify("DISCARD ALL"))).isEqualTo(SessionStateEffect.ResetSettings.ALL);
        SessionStateEffect both = classify("RESET ALL; DEALLOCATE ALL");
        assertThat(both).isEqualTo(new SessionStateEffect.Both(SessionStateEffect.ResetSettings.ALL, new SessionStateEffect.Deallocate(null)));
        assertThat(SessionStateEffect.resets(both)).isEqualTo(SessionStateEffect.ResetSettings.ALL);
        assertThat(classify("RESET work_mem")).isInstanceOf(SessionStateEffect.Pin.class);
    }

    /** A startup setting the server does not report (options -c work_mem=…) can be put back after a RESET: no pin. */
    @Test
    void resetOfAnUnreportedStartupSettingDoesNotPinButItsSetStillDoes() {
        Set<String> startup = Set.of("work_mem");
        assertThat(SessionStateClassifier.classify("RESET work_mem", TRACKED, startup)).isEqualTo(SessionStateEffect.ResetSettings.of("work_mem"));
        assertThat(SessionStateClassifier.classify("SET work_mem TO DEFAULT", TRACKED, startup)).isEqualTo(SessionStateEffect.ResetSettings.of("work_mem"));
        assertThat(SessionStateClassifier.classify("SET work_mem = '8MB'", TRACKED, startup)).isInstanceOf(SessionStateEffect.Pin.class);
        assertThat(SessionStateClassifier.classify("RESET lock_timeout", TRACKED, startup)).isInstanceOf(SessionStateEffect.Pin.class);
    }
}
