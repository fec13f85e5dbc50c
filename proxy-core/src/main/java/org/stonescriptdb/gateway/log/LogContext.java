package org.stonescriptdb.gateway.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ids that belong to what a thread is doing (an HTTP request, a platform, a deployment), for the log lines it writes
 * meanwhile: {@code LOG_FORMAT=json} puts them in fields of their own. Set where a unit of work begins and gone when it
 * ends ({@link #with} in try-with-resources); a thread that set nothing has none. Event loops set nothing: a loop
 * serves many clients, and its log lines name the client or database in their text.
 */
public final class LogContext {

    private static final ThreadLocal<Map<String, String>> FIELDS = new ThreadLocal<>();

    private LogContext() {
    }

    /** Adds {@code key} = {@code value} until the returned scope closes (then the thread's fields are as before). */
    public static Scope with(String key, String value) {
        Map<String, String> before = FIELDS.get();
        Map<String, String> now = before == null ? new LinkedHashMap<>() : new LinkedHashMap<>(before);
        if (value != null) now.put(key, value);
        FIELDS.set(Collections.unmodifiableMap(now));
        return () -> {
            if (before == null) FIELDS.remove();
            else FIELDS.set(before);
        };
    }

    /**
     * Adds {@code key} = {@code value} for the rest of the calling thread's current scope: for what an HTTP request's
     * own virtual thread learns as it goes (the platform), which ends with the request.
     */
    public static void put(String key, String value) {
        if (value == null) return;
        Map<String, String> before = FIELDS.get();
        Map<String, String> now = before == null ? new LinkedHashMap<>() : new LinkedHashMap<>(before);
        now.put(key, value);
        FIELDS.set(Collections.unmodifiableMap(now));
    }

    /** The fields of the calling thread now (empty when none). */
    public static Map<String, String> fields() {
        Map<String, String> f = FIELDS.get();
        return f == null ? Map.of() : f;
    }

    /** A context's lifetime; closing it cannot fail. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
