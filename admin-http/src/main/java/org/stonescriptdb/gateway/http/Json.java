package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.ByteBuffer;

/** JSON responses: snake_case field names, as in the seed's API. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            // Deploy statuses are enums whose toString is the wire name ("applied").
            .enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
            .build();

    private Json() {
    }

    public static void send(HttpServerExchange exchange, int status, Object body) {
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response body not serializable: " + body.getClass().getName(), e);
        }
        send(exchange, status, new ByteBuffer[]{ByteBuffer.wrap(bytes)});
    }

    /** JSON already written, in parts. */
    public static void send(HttpServerExchange exchange, int status, ByteBuffer[] parts) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(parts);
    }

    public static void error(HttpServerExchange exchange, int status, String error, String message) {
        send(exchange, status, ErrorBody.of(error, message));
    }
}
