package org.stonescriptdb.gateway.session;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What a login to a database with given startup settings was greeted with — the parameters the server reported once
 * those settings took effect on a backend — so that the next client of that database with the same settings, in
 * transaction pooling, is greeted at once instead of waiting for a backend of a busy pool (it holds none between
 * transactions anyway). Only what a backend of the same server accepted for the same database is ever greeted from
 * here: a new combination of settings, or one the server would refuse, still logs in on a backend and gets the server's
 * own answer.
 *
 * <p>Logins with the same settings that arrive together (a thousand clients starting at once) follow the first: it
 * logs in on a backend, the others wait for its greeting ({@link #join}) and, should it fail or its client leave, each
 * logs in on a backend itself.
 *
 * <p>Bounded: at {@value #LIMIT} entries it starts over, which costs each combination one more backend login.
 * Thread-safe; used from every event loop.
 */
final class LoginGreetings {

    static final int LIMIT = 10_000;

    /** The server a database lives on (the routing step), the database, and the startup packet's settings. */
    private record Key(Object server, String database, Map<String, String> settings) {
    }

    private final Function<String, Object> serverOf;
    private final ConcurrentHashMap<Key, Map<String, String>> known = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, CompletableFuture<Map<String, String>>> inFlight = new ConcurrentHashMap<>();

    /** @param serverOf the server a database is routed to ({@code BackendRouter#route}) */
    LoginGreetings(Function<String, Object> serverOf) {
        this.serverOf = serverOf;
    }

    private Key key(String database, Map<String, String> settings) {
        return new Key(serverOf.apply(database), database, Map.copyOf(settings));
    }

    /**
     * The greeting for a login with {@code settings}: completed at once when known, or when the login that went first
     * ends — with null if it failed, and the caller logs in on a backend itself. Null instead of a future: none is known
     * or under way, so this login goes first and must end with {@link #learned} or {@link #failed}.
     */
    CompletableFuture<Map<String, String>> join(String database, Map<String, String> settings) {
        Key k = key(database, settings);
        Map<String, String> greeting = known.get(k);
        if (greeting != null) return CompletableFuture.completedFuture(greeting);
        CompletableFuture<Map<String, String>> first = inFlight.putIfAbsent(k, new CompletableFuture<>());
        if (first != null) return first;
        // Learned meanwhile, between the look and the claim: no need to go first after all.
        greeting = known.get(k);
        if (greeting == null) return null;
        inFlight.remove(k).complete(greeting);
        return CompletableFuture.completedFuture(greeting);
    }

    /** A backend accepted {@code settings} for {@code database}, and the server then reported {@code reported}. */
    void learned(String database, Map<String, String> settings, Map<String, String> reported) {
        Key k = key(database, settings);
        Map<String, String> greeting = Map.copyOf(reported);
        if (known.size() >= LIMIT) known.clear();
        known.put(k, greeting);
        CompletableFuture<Map<String, String>> waiting = inFlight.remove(k);
        if (waiting != null) waiting.complete(greeting);
    }

    /** The login that went first with {@code settings} did not get as far as a greeting: the ones behind it go on alone. */
    void failed(String database, Map<String, String> settings) {
        CompletableFuture<Map<String, String>> waiting = inFlight.remove(key(database, settings));
        if (waiting != null) waiting.complete(null);
    }

    /** The database was dropped: one created again under its name is greeted only after a backend login there. */
    void forget(String database) {
        known.keySet().removeIf(k -> k.database.equals(database));
    }

    int size() {
        return known.size();
    }
}
