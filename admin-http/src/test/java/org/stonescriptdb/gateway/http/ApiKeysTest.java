package org.stonescriptdb.gateway.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {

    private final ApiKeys keys = new ApiKeys(Map.of("admin", "adm1n", "medstore", "ms-key"));

    @Test
    void adminEndpointsNeedTheAdminKey() {
        assertThatCode(() -> keys.requireAdmin(request("adm1n"))).doesNotThrowAnyException();
        assertThat(status(() -> keys.requireAdmin(request(null)))).isEqualTo(401);
        assertThat(status(() -> keys.requireAdmin(request("ms-key")))).isEqualTo(403);
        assertThat(status(() -> keys.requireAdmin(request("adm1n ")))).isEqualTo(403);
    }

    @Test
    void aPlatformKeyReachesOnlyItsPlatform() {
        assertThatCode(() -> keys.requirePlatform(request("ms-key"), "medstore")).doesNotThrowAnyException();
        assertThat(status(() -> keys.requirePlatform(request("adm1n"), "medstore"))).isEqualTo(403);
        // A platform without a key of its own is guarded by source address only.
        assertThatCode(() -> keys.requirePlatform(request(null), "otherapp")).doesNotThrowAnyException();
    }

    @Test
    void messagesNeverCarryAKey() {
        assertThatThrownBy(() -> keys.requireAdmin(request("ms-key"))).message().doesNotContain("ms-key", "adm1n");
    }

    private static Request request(String key) {
        HttpServerExchange exchange = new HttpServerExchange(null);
        if (key != null) exchange.getRequestHeaders().put(new HttpString(ApiKeys.HEADER), key);
        return new Request(exchange, 1024);
    }

    private static int status(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e.status();
        }
        return 200;
    }
}
