package org.stonescriptdb.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import org.stonescriptdb.gateway.http.Json;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** A small HTTP client for the side-port: JSON, multipart uploads, an optional X-API-Key. */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final int port;
    private final String key;

    public Http(int port, String key) {
        this.port = port;
        this.key = key;
    }

    public Http withKey(String otherKey) {
        return new Http(port, otherKey);
    }

    /** A response with its body parsed as JSON when it is JSON. */
    public record Response(int status, String text) {
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(text);
            } catch (Exception e) {
                throw new AssertionError("not JSON (" + status + "): " + text, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    public Response postJson(String path, Object body) {
        try {
            String text = body instanceof String s ? s : Json.MAPPER.writeValueAsString(body);
            return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(text)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** multipart/form-data: String values are fields, byte[] values are file parts. */
    public Response postMultipart(String path, Map<String, Object> parts) {
        return postMultipart(path, parts, false);
    }

    /** The same; {@code chunked} sends the body without a Content-Length. */
    public Response postMultipart(String path, Map<String, Object> parts, boolean chunked) {
        String boundary = "----gateway-test-" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, Object> p : parts.entrySet()) {
            write(out, "--" + boundary + "\r\n");
            if (p.getValue() instanceof byte[] bytes) {
                write(out, "Content-Disposition: form-data; name=\"" + p.getKey() + "\"; filename=\"postgresql.tar.gz\"\r\n"
                        + "Content-Type: application/gzip\r\n\r\n");
                out.writeBytes(bytes);
                write(out, "\r\n");
            } else {
                write(out, "Content-Disposition: form-data; name=\"" + p.getKey() + "\"\r\n\r\n" + p.getValue() + "\r\n");
            }
        }
        write(out, "--" + boundary + "--\r\n");
        byte[] body = out.toByteArray();
        return send(request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public Response send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> r = CLIENT.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new AssertionError("request failed: " + e, e);
        }
    }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofMinutes(2));
        if (key != null) b.header("X-API-Key", key);
        return b;
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
