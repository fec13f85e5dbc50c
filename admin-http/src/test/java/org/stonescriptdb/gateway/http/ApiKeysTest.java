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
        assertThat(status(() -> keys.requirePlatform(request(null), "medstore"))).isEqualTo(401);
    }

    @Test
    void aPlatformWithoutAKeyOfItsOwnNeedsTheAdminKeyWhenOneIsSet() {
        assertThatCode(() -> keys.requirePlatform(request("adm1n"), "otherapp")).doesNotThrowAnyException();
        assertThat(status(() -> keys.requirePlatform(request(null), "otherapp"))).isEqualTo(401);
        assertThat(status(() -> keys.requirePlatform(request("ms-key"), "otherapp"))).isEqualTo(403);
        assertThatThrownBy(() -> keys.requirePlatform(request(null), "otherapp")).message()
                .contains("API_KEY_ADMIN", "API_KEY_OTHERAPP");
    }

    @Test
    void withoutAnAdminKeyAPlatformWithoutAKeyOfItsOwnIsGuardedBySourceAddressOnly() {
        ApiKeys platformOnly = new ApiKeys(Map.of("medstore", "ms-key"));
        assertThatCode(() -> platformOnly.requirePlatform(request(null), "otherapp")).doesNotThrowAnyException();
        assertThat(status(() -> platformOnly.requirePlatform(request(null), "medstore"))).isEqualTo(401);
        assertThatCode(() -> new ApiKeys(Map.of()).requirePlatform(request(null), "otherapp")).doesNotThrowAnyException();
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
