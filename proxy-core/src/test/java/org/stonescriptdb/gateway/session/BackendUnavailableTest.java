package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.PoolTimeoutException;
import org.stonescriptdb.gateway.protocol.ErrorFields;

import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

class BackendUnavailableTest {

    @Test
    void aPoolWaitThatRanOutIsTooManyConnectionsWithItsOwnMessage() {
        BackendUnavailable answer = BackendUnavailable.of(new PoolTimeoutException("no backend connection became free within 5 s"));
        assertThat(answer).isEqualTo(new BackendUnavailable("53300", "no backend connection became free within 5 s"));
    }

    @Test
    void theServersOwnRefusalIsPassedOnAsItSaidIt() {
        ErrorFields refusal = new ErrorFields("FATAL", "3D000", "database \"demo_gone\" does not exist", null);
        BackendUnavailable answer = BackendUnavailable.of(new BackendException(refusal, "login refused"));
        assertThat(answer).isEqualTo(new BackendUnavailable("3D000", "database \"demo_gone\" does not exist"));
    }

    @Test
    void anythingElseIsAConnectionFailureNamingTheCause() {
        BackendUnavailable answer = BackendUnavailable.of(new ConnectException("Connection refused"));
        assertThat(answer.code()).isEqualTo("08006");
        assertThat(answer.message()).isEqualTo("the gateway could not get a backend connection: Connection refused");
        BackendUnavailable noServerWord = BackendUnavailable.of(new BackendException(null, "the gateway is shutting down"));
        assertThat(noServerWord.code()).isEqualTo("08006");
        assertThat(noServerWord.message()).endsWith("the gateway is shutting down");
    }
}
