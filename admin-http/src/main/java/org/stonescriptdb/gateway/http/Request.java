package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.handlers.form.FormData;
import io.undertow.server.handlers.form.FormDataParser;
import io.undertow.server.handlers.form.FormParserFactory;
import io.undertow.server.handlers.form.MultiPartParserDefinition;
import io.undertow.util.Headers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Deque;
import java.util.Locale;

/**
 * One HTTP request as endpoint code sees it, on a virtual thread (blocking reads are fine here): bounded
 * bodies, JSON objects, multipart forms, query and path parameters. Every malformed or oversized input
 * becomes an {@link ApiException} (400 or 413), never a half-read request.
 */
public final class Request {

    /** JSON bodies are small; only bundle uploads get the large limit. */
    public static final long MAX_JSON_BYTES = 1024 * 1024;
    /** Parts above this size are buffered in a temporary file rather than in memory. */
    private static final int IN_MEMORY_PART_BYTES = 1024 * 1024;

    private final HttpServerExchange exchange;
    private final long maxUploadBytes;

    Request(HttpServerExchange exchange, long maxUploadBytes) {
        this.exchange = exchange;
        this.maxUploadBytes = maxUploadBytes;
    }

    public HttpServerExchange exchange() {
        return exchange;
    }

    public String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    /** A query or path parameter, or {@code null}. */
    public String param(String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The body as a JSON object (400 when it is not one, 413 above {@link #MAX_JSON_BYTES}). */
    public ObjectNode json() {
        byte[] body = body(MAX_JSON_BYTES);
        if (body.length == 0) throw ApiException.badRequest("the request needs a JSON object body");
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node instanceof ObjectNode object) return object;
            throw ApiException.badRequest("the request body must be a JSON object, got " + (node == null ? "nothing" : node.getNodeType()));
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
        }
    }

    /** A multipart/form-data body, bounded by the upload limit. Files are deleted when the exchange ends. */
    public Form multipart() {
        String type = header(Headers.CONTENT_TYPE_STRING);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw ApiException.badRequest("this endpoint takes multipart/form-data (curl -F), got "
                    + (type == null ? "no Content-Type" : "'" + type + "'"));
        }
        checkDeclaredLength(maxUploadBytes);
        // Bodies without a Content-Length (chunked) are counted as they are read.
        exchange.addRequestWrapper((factory, ex) -> new LimitedSourceConduit(factory.create(), maxUploadBytes));
        MultiPartParserDefinition multipart = new MultiPartParserDefinition();
        multipart.setFileSizeThreshold(IN_MEMORY_PART_BYTES);
        multipart.setDefaultEncoding("UTF-8");
        FormDataParser parser = FormParserFactory.builder(false).addParser(multipart).build().createParser(exchange);
        if (parser == null) throw ApiException.badRequest("the multipart body has no boundary");
        try {
            exchange.startBlocking();
            return new Form(parser.parseBlocking());
        } catch (IOException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof LimitedSourceConduit.TooLarge || c instanceof RequestTooBigException) throw tooLarge(maxUploadBytes);
            }
            throw ApiException.badRequest("the multipart body could not be read: " + e.getMessage());
        }
    }

    private byte[] body(long limit) {
        checkDeclaredLength(limit);
        exchange.startBlocking();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        // Not closed on the way out: closing drains the rest of an oversized body, and its failure would replace our 413.
        InputStream in = exchange.getInputStream();
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                if (out.size() > limit) throw tooLarge(limit);
            }
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private void checkDeclaredLength(long limit) {
        long declared = exchange.getRequestContentLength();
        if (declared > limit) throw tooLarge(limit);
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "payload_too_large", "the request body is larger than the limit of " + limit
                + " bytes" + (limit > MAX_JSON_BYTES ? " (MAX_UPLOAD_MB)" : ""));
    }

    /** A parsed multipart form. */
    public record Form(FormData data) {

        /** A text field, or {@code null}. */
        public String field(String name) {
            FormData.FormValue v = data.getFirst(name);
            if (v == null) return null;
            if (v.isFileItem()) throw ApiException.badRequest("form field '" + name + "' must be a text field, not a file");
            return v.getValue();
        }

        /** A file part's bytes (400 when it is missing or a plain field). */
        public byte[] file(String name) {
            FormData.FormValue v = data.getFirst(name);
            if (v == null) throw ApiException.badRequest("form field '" + name + "' (the schema tar.gz, as -F " + name + "=@postgresql.tar.gz) is missing");
            if (!v.isFileItem()) throw ApiException.badRequest("form field '" + name + "' must be a file upload (-F " + name + "=@postgresql.tar.gz)");
            try (InputStream in = v.getFileItem().getInputStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw ApiException.badRequest("form field '" + name + "' could not be read: " + e.getMessage());
            }
        }
    }
}
