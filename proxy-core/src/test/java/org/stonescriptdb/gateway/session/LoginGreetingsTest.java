package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** What logins learn for the ones after them: per server, database and startup settings, and only what a backend accepted. */
class LoginGreetingsTest {

    private final Map<String, Object> routes = new java.util.HashMap<>(Map.of("a_main", "server-1", "b_main", "server-1"));
    private final LoginGreetings greetings = new LoginGreetings(routes::get);
    private static final Map<String, String> UTC = Map.of("TimeZone", "UTC", "client_encoding", "UTF8");
    private static final Map<String, String> REPORTED = Map.of("TimeZone", "UTC", "client_encoding", "UTF8", "server_version", "17.6");

    @Test
    void theFirstLoginGoesFirstAndTheNextIsGreetedWithWhatItLearned() {
        assertThat(greetings.join("a_main", UTC)).as("nothing known: this one logs in on a backend").isNull();
        greetings.learned("a_main", UTC, REPORTED);
        CompletableFuture<Map<String, String>> next = greetings.join("a_main", Map.of("client_encoding", "UTF8", "TimeZone", "UTC"));
        assertThat(next).isCompletedWithValue(REPORTED);
    }

    @Test
    void otherSettingsAnotherDatabaseOrAnotherServerAreNotGreetedFromIt() {
        assertThat(greetings.join("a_main", UTC)).isNull();
        greetings.learned("a_main", UTC, REPORTED);
        assertThat(greetings.join("a_main", Map.of("TimeZone", "Europe/Paris", "client_encoding", "UTF8"))).isNull();
        assertThat(greetings.join("b_main", UTC)).as("another database, its own role and defaults").isNull();
        routes.put("a_main", "server-2");
        assertThat(greetings.join("a_main", UTC)).as("the database moved to another server").isNull();
    }

    @Test
    void loginsArrivingTogetherFollowTheFirstAndHearHowItEnded() {
        assertThat(greetings.join("a_main", UTC)).isNull();
        CompletableFuture<Map<String, String>> second = greetings.join("a_main", UTC);
        CompletableFuture<Map<String, String>> third = greetings.join("a_main", UTC);
        assertThat(second).isNotDone();
        greetings.learned("a_main", UTC, REPORTED);
        assertThat(second).isCompletedWithValue(REPORTED);
        assertThat(third).isCompletedWithValue(REPORTED);
    }

    @Test
    void whenTheFirstFailsTheFollowersAreToldToLogInThemselvesAndTheNextGoesFirstAgain() {
        assertThat(greetings.join("a_main", UTC)).isNull();
        CompletableFuture<Map<String, String>> follower = greetings.join("a_main", UTC);
        greetings.failed("a_main", UTC);
        assertThat(follower).isCompletedWithValue(null);
        assertThat(greetings.join("a_main", UTC)).as("nothing was learned").isNull();
        assertThat(greetings.size()).isZero();
    }

    @Test
    void aDroppedDatabaseIsForgotten() {
        greetings.learned("a_main", UTC, REPORTED);
        greetings.learned("b_main", UTC, REPORTED);
        greetings.forget("a_main");
        assertThat(greetings.join("a_main", UTC)).isNull();
        assertThat(greetings.join("b_main", UTC)).isCompleted();
    }

    @Test
    void boundedItStartsOverWhenFull() {
        for (int i = 0; i < LoginGreetings.LIMIT + 5; i++) greetings.learned("a_main", Map.of("application_name", "app" + i), REPORTED);
        assertThat(greetings.size()).isLessThanOrEqualTo(LoginGreetings.LIMIT);
    }
}
