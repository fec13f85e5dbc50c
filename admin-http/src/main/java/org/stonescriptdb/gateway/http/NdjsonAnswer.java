package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.stonescriptdb.gateway.schema.deploy.DatabaseResult;
import org.stonescriptdb.gateway.schema.deploy.DeployProgress;
import org.xnio.Options;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * A deploy's answer streamed as NDJSON, for a client that sent {@code Accept: application/x-ndjson}: status 200 as soon
 * as the deploy begins, then one line per database as it finishes ({@code {"event":"database", …its result}}), then
 * one {@code {"event":"done","http_status":…}} line with the status and body the request would have been answered
 * with, not streamed.
 *
 * <p>The deploy never waits for the client: lines are queued by the fan-out's workers and written and flushed by a
 * writer thread of their own. A client that stops reading or leaves costs only that thread (its write times out, or
 * fails at once, after which the rest is discarded) — every database is still deployed and recorded.
 *
 * <p>While no database finishes, a {@code {"event":"heartbeat"}} line is written every third of the connection's write
 * timeout ({@code HTTP_IDLE_TIMEOUT_SECS}), at most {@link #LONGEST_SILENCE} apart: Undertow closes a connection whose
 * next write comes later than that timeout after the previous one, and proxies in between drop silent connections —
 * a canary waiting for a lock, or a slow migration, would otherwise lose the stream.
 */
final class NdjsonAnswer implements DeployProgress {

    static final String MEDIA_TYPE = "application/x-ndjson";

    private static final Logger LOG = Logger.getLogger(NdjsonAnswer.class.getName());
    private static final AttachmentKey<NdjsonAnswer> STREAMED = AttachmentKey.create(NdjsonAnswer.class);
    /** Marks the end of the queue; compared by identity. */
    private static final byte[] END = new byte[0];
    /** Well inside the idle timeouts of the usual reverse proxies and load balancers (30 to 60 s). */
    static final Duration LONGEST_SILENCE = Duration.ofSeconds(15);
    private static final Duration SHORTEST_SILENCE = Duration.ofMillis(100);

    private final HttpServerExchange exchange;
    private final LinkedBlockingQueue<byte[]> lines = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Set before the writer starts. */
    private Duration heartbeat;
    /** Database lines queued so far (the heartbeat says how many). */
    private final AtomicInteger finished = new AtomicInteger();

    private NdjsonAnswer(HttpServerExchange exchange) {
        this.exchange = exchange;
        this.writer = Thread.ofVirtual().name("ndjson-" + exchange.getRequestPath()).unstarted(this::write);
    }

    /**
     * Called by a deploying endpoint once nothing but the deploy itself can go wrong: when the client asked for NDJSON,
     * the answer starts now (200) and the returned progress streams each database; otherwise it does nothing and the
     * request is answered whole, as always. Errors found before this call are answered as usual, not streamed.
     */
    static DeployProgress begin(Request request) {
        if (!asked(request.exchange().getRequestHeaders().get(Headers.ACCEPT))) return DeployProgress.NONE;
        NdjsonAnswer answer = new NdjsonAnswer(request.exchange());
        request.exchange().putAttachment(STREAMED, answer);
        answer.start();
        return answer;
    }

    /** The streamed answer of this exchange, or null when it is answered whole. */
    static NdjsonAnswer of(HttpServerExchange exchange) {
        return exchange.getAttachment(STREAMED);
    }

    /** True when one of the {@code Accept} headers names {@code application/x-ndjson} (with a q above 0). */
    static boolean asked(Iterable<String> values) {
        if (values == null) return false;
        for (String value : values) {
            for (String range : value.split(",")) {
                String[] parts = range.split(";");
                if (!parts[0].strip().toLowerCase(Locale.ROOT).equals(MEDIA_TYPE)) continue;
                if (!refused(parts)) return true;
            }
        }
        return false;
    }

    /** {@code q=0} means "not this type". */
    private static boolean refused(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("q=")) {
                try {
                    return Double.parseDouble(p.substring(2)) <= 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return false;
    }

    private void start() {
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, MEDIA_TYPE);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        // A buffering reverse proxy (nginx) would hold the lines back until the end, which defeats the point.
        exchange.getResponseHeaders().put(new HttpString("X-Accel-Buffering"), "no");
        if (!exchange.isBlocking()) exchange.startBlocking();
        heartbeat = heartbeatInterval(exchange);
        writer.start();
    }

    /** From the fan-out's workers, concurrently: serialise here, write on the writer thread. */
    @Override
    public void databaseFinished(DatabaseResult result) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("event", "database");
        line.setAll((ObjectNode) Json.MAPPER.valueToTree(result));
        lines.add(bytes(line));
        finished.incrementAndGet();
    }

    /** A third of the connection's write timeout, so that even a late heartbeat comes in time; see the class comment. */
    private static Duration heartbeatInterval(HttpServerExchange exchange) {
        Integer writeTimeoutMillis = null;
        try {
            writeTimeoutMillis = exchange.getConnection().getOption(Options.WRITE_TIMEOUT);
        } catch (IOException | RuntimeException e) {
            // not known: the longest silence applies
        }
        if (writeTimeoutMillis == null || writeTimeoutMillis <= 0) return LONGEST_SILENCE;
        Duration third = Duration.ofMillis(writeTimeoutMillis / 3);
        return third.compareTo(LONGEST_SILENCE) > 0 ? LONGEST_SILENCE : third.compareTo(SHORTEST_SILENCE) < 0 ? SHORTEST_SILENCE : third;
    }

    /**
     * Ends the answer with the done line — the status and body the request would have been answered with — and
     * waits until it is written (or the client is known to be gone). The deploy is over by then.
     */
    void finish(int status, Object body) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("event", "done");
        line.put("http_status", status);
        JsonNode tree = Json.MAPPER.valueToTree(body);
        if (tree instanceof ObjectNode object) line.setAll(object); else line.set("body", tree);
        lines.add(bytes(line));
        lines.add(END);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write() {
        OutputStream out = null;
        boolean gone = false;
        try {
            out = exchange.getOutputStream();
            out.flush(); // the status and headers now: the client knows the deploy has begun
        } catch (IOException | RuntimeException e) {
            gone = clientGone(e);
        }
        while (true) {
            byte[] line;
            try {
                line = lines.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // Nothing of the gateway's interrupts this thread; if something does, the answer is abandoned with the
                // connection (the deploy is not this thread's to stop).
                return;
            }
            if (line == null) line = heartbeatLine();
            if (line == END) break;
            if (gone) continue;
            try {
                out.write(line);
                out.flush();
            } catch (IOException | RuntimeException e) {
                gone = clientGone(e);
            }
        }
        try {
            if (out != null) out.close(); // the last chunk: the answer is complete
        } catch (IOException | RuntimeException e) {
            clientGone(e);
        }
    }

    private byte[] heartbeatLine() {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("event", "heartbeat");
        line.put("databases_finished", finished.get());
        return bytes(line);
    }

    private boolean clientGone(Exception e) {
        LOG.fine(() -> exchange.getRequestMethod() + " " + exchange.getRequestPath()
                + ": the client of a streamed answer is gone (the deploy goes on): " + e);
        return true;
    }

    private static byte[] bytes(ObjectNode line) {
        try {
            byte[] json = Json.MAPPER.writeValueAsBytes(line);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a deploy report could not be serialised", e);
        }
    }
}
