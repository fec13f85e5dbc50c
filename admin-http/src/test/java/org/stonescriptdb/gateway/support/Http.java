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
        return send(json(path, body));
    }

    /** A JSON POST, not yet sent. */
    public HttpRequest.Builder json(String path, Object body) {
        try {
            String text = body instanceof String s ? s : Json.MAPPER.writeValueAsString(body);
            return request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(text));
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
        return send(multipart(path, parts, chunked));
    }

    /** A multipart POST, not yet sent. */
    public HttpRequest.Builder multipart(String path, Map<String, Object> parts) {
        return multipart(path, parts, false);
    }

    /** The whole body of a multipart POST: String values are fields, byte[] values are file parts. */
    public static MultipartBody multipartBody(Map<String, Object> parts) {
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
        return new MultipartBody("multipart/form-data; boundary=" + boundary, out.toByteArray());
    }

    public record MultipartBody(String contentType, byte[] bytes) {
    }

    private HttpRequest.Builder multipart(String path, Map<String, Object> parts, boolean chunked) {
        MultipartBody body = multipartBody(parts);
        return request(path).header("Content-Type", body.contentType())
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body.bytes()))
                        : HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
    }

    /**
     * An answer read line by line as it arrives (sent with {@code Accept: application/x-ndjson}): {@link Streamed#next}
     * blocks until the server has written and flushed the next line.
     */
    public Streamed stream(HttpRequest.Builder builder) {
        try {
            HttpResponse<java.util.stream.Stream<String>> r = CLIENT.send(builder.header("Accept", "application/x-ndjson").build(),
                    HttpResponse.BodyHandlers.ofLines());
            return new Streamed(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (Exception e) {
            throw new AssertionError("request failed: " + e, e);
        }
    }

    public static final class Streamed implements AutoCloseable {
        private final int status;
        private final String contentType;
        private final java.util.stream.Stream<String> body;
        private final java.util.Iterator<String> lines;

        Streamed(int status, String contentType, java.util.stream.Stream<String> body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
            this.lines = body.iterator();
        }

        public int status() {
            return status;
        }

        public String contentType() {
            return contentType;
        }

        /** The next line that is not a heartbeat, as JSON; fails when the answer has ended. */
        public JsonNode next() {
            while (true) {
                JsonNode line = nextIncludingHeartbeats();
                if (!line.path("event").asText().equals("heartbeat")) return line;
            }
        }

        /** The next line, heartbeats included. */
        public JsonNode nextIncludingHeartbeats() {
            if (!lines.hasNext()) throw new AssertionError("the streamed answer ended early");
            String line = lines.next();
            try {
                return Json.MAPPER.readTree(line);
            } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + line, e);
            }
        }

        /** Every line left but heartbeats, as JSON. */
        public java.util.List<JsonNode> rest() {
            java.util.List<JsonNode> out = new java.util.ArrayList<>();
            while (lines.hasNext()) {
                JsonNode line = nextIncludingHeartbeats();
                if (!line.path("event").asText().equals("heartbeat")) out.add(line);
            }
            return out;
        }

        @Override
        public void close() {
            body.close();
        }
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
