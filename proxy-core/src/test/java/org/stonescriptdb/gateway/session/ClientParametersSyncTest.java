package org.stonescriptdb.gateway.session;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.TestBackends;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a backend must be told before it serves a client ({@link ClientParameters#syncFor}), as the session reset leaves
 * it ({@link BackendConnection#assumeReset}): the comparison a hand-over skips must never hide a difference.
 */
class ClientParametersSyncTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final BackendConnection backend = TestBackends.on(channel, "app_main");

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void login() {
        TestBackends.reported(backend, "DateStyle", "ISO, MDY");
        TestBackends.reported(backend, "TimeZone", "UTC");
        TestBackends.reported(backend, "application_name", "app");
        TestBackends.loginComplete(backend);
    }

    private static ClientParameters client(Map<String, String> startup, Map<String, String> greeting) {
        ClientParameters p = new ClientParameters(startup);
        p.greetedWith(greeting);
        return p;
    }

    private static final Map<String, String> LOGIN = Map.of("DateStyle", "ISO, MDY", "TimeZone", "UTC", "application_name", "app");

    @Test
    void aClientWithTheBackendsOwnSettingsNeedsNothingBeforeAndAfterAReset() {
        login();
        ClientParameters plain = client(Map.of(), LOGIN);
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();
        backend.assumeReset();
        assertThat(backend.matchedSettings()).as("the match at login holds again after the reset").isNotNull();
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();
    }

    @Test
    void whatTheLastClientChangedIsResetAndTheNextClientsOwnValueSetAgain() {
        login();
        ClientParameters plain = client(Map.of(), LOGIN);
        ClientParameters german = client(Map.of(), Map.of("DateStyle", "German, DMY", "TimeZone", "UTC", "application_name", "app"));
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();

        // The last client set DateStyle (the server reported it): the match at login no longer describes the session.
        TestBackends.reported(backend, "DateStyle", "German, DMY");
        assertThat(backend.matchedSettings()).isNull();
        assertThat(german.syncFor(backend).isEmpty()).isTrue();
        assertThat(plain.syncFor(backend).set()).containsEntry("DateStyle", "ISO, MDY");

        // A reset puts DateStyle back: the plain client needs nothing, the German one its DateStyle.
        backend.assumeReset();
        assertThat(backend.parameters()).containsEntry("DateStyle", "ISO, MDY");
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();
        assertThat(german.syncFor(backend).set()).containsExactly(Map.entry("DateStyle", "German, DMY"));
    }

    @Test
    void settingsTheServerDoesNotReportAreSetAgainAfterEveryReset() {
        login();
        ClientParameters withTimeout = client(Map.of("statement_timeout", "5s"), LOGIN);
        assertThat(withTimeout.syncFor(backend).set()).containsExactly(Map.entry("statement_timeout", "5s"));
        withTimeout.synced(backend, withTimeout.syncFor(backend));
        assertThat(withTimeout.syncFor(backend).isEmpty()).as("applied, and remembered").isTrue();

        backend.assumeReset();
        assertThat(backend.appliedSettings()).isEmpty();
        assertThat(withTimeout.syncFor(backend).set()).as("the reset took it back").containsExactly(Map.entry("statement_timeout", "5s"));
        ClientParameters plain = client(Map.of(), LOGIN);
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();
    }

    @Test
    void aSyncThatChangedNothingKeepsTheMatch() {
        login();
        ClientParameters plain = client(Map.of(), LOGIN);
        ClientParameters.Sync none = plain.syncFor(backend);
        Object matched = backend.matchedSettings();
        assertThat(matched).isNotNull();
        plain.synced(backend, none);
        assertThat(backend.matchedSettings()).isSameAs(matched);
    }

    @Test
    void aSettingAClientDoesNotHaveIsResetWhenTheBackendStillHasIt() {
        login();
        ClientParameters withTimeout = client(Map.of("statement_timeout", "5s"), LOGIN);
        withTimeout.synced(backend, withTimeout.syncFor(backend));
        ClientParameters plain = client(Map.of(), LOGIN);
        assertThat(plain.syncFor(backend).reset()).isEqualTo(List.of("statement_timeout"));
    }

    @Test
    void aValueReportedBackToItsLoginValueCountsAsTheLoginStateAgain() {
        login();
        TestBackends.reported(backend, "TimeZone", "Europe/Paris");
        TestBackends.reported(backend, "TimeZone", "UTC");
        ClientParameters plain = client(Map.of(), LOGIN);
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();
        backend.assumeReset();
        assertThat(backend.matchedSettings()).isNotNull();
        assertThat(plain.syncFor(backend).isEmpty()).isTrue();
    }
}
