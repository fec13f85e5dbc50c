package org.stonescriptdb.gateway.session;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gateway-wide names for prepared statements: one name per distinct (query text, parameter types), so that a
 * statement prepared on a backend for one client serves every client that prepares the same thing.
 *
 * <p>An entry lives as long as a client holds it ({@link #acquire}/{@link #release}, counted): what no client has
 * prepared is forgotten, so the registry is bounded by what clients hold, and that by their own limits
 * ({@link ClientStatements}). Backends may still have a forgotten statement prepared under its old name; they close
 * it as one of their least recently used ({@code BackendStatements}), and the same text prepared again later gets a
 * new name.
 */
public final class StatementRegistry {

    /** Every gateway statement name starts with this; no client statement may be called so. */
    public static final String PREFIX = "_ssg_";

    private final ConcurrentHashMap<Content, StatementDef> byContent = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    /**
     * A random part of every name, new per process, so a client cannot guess a gateway statement's name to run or
     * deallocate it (a client that reads pg_prepared_statements can: see {@link #isGatewayName} and the 26000 handling).
     */
    private final String token = HexFormat.of().formatHex(randomBytes(6));

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** True for a name the gateway gives its own statements: clients may not name theirs so. */
    public static boolean isGatewayName(String name) {
        return name.startsWith(PREFIX);
    }

    /**
     * The entry for this statement, created if new, held once more by the caller until it calls {@link #release}.
     *
     * @param parseTail the Parse message body after the statement name: query, parameter count and type oids
     */
    public StatementDef acquire(byte[] parseTail) {
        return byContent.compute(new Content(parseTail), (c, existing) -> {
            StatementDef def = existing != null ? existing : new StatementDef(PREFIX + token + "_" + counter.incrementAndGet(), parseTail);
            def.holders++;
            return def;
        });
    }

    /** Gives up one hold of {@code def}; the last one forgets it. */
    public void release(StatementDef def) {
        byContent.computeIfPresent(new Content(def.parseTail()), (c, current) -> {
            if (current != def) return current; // already forgotten, and the same text interned anew since
            return --current.holders == 0 ? null : current;
        });
    }

    /** The entry for this statement if some client holds it, without holding it. */
    public StatementDef lookup(byte[] parseTail) {
        return byContent.get(new Content(parseTail));
    }

    public int size() {
        return byContent.size();
    }

    private record Content(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Content c && Arrays.equals(bytes, c.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** A statement as the gateway prepares it on backends. */
    public static final class StatementDef {
        private final String name;
        private final byte[] parseTail;
        /** Bumped when a backend says the statement's result type changed: every backend re-prepares it. */
        private volatile int generation;
        /** Databases where a backend accepted this statement: a client preparing it there needs no backend. */
        private final java.util.Set<String> acceptedIn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** Clients' holds; changed only inside the registry map's compute, which serialises them per entry. */
        private int holders;

        StatementDef(String name, byte[] parseTail) {
            this.name = name;
            this.parseTail = parseTail;
        }

        public String name() {
            return name;
        }

        public byte[] parseTail() {
            return parseTail;
        }

        public int generation() {
            return generation;
        }

        public boolean acceptedIn(String database) {
            return acceptedIn.contains(database);
        }

        public void accepted(String database) {
            acceptedIn.add(database);
        }

        public synchronized void invalidate(int seenGeneration) {
            // Several backends may report the same change; move on once per change.
            if (generation == seenGeneration) generation++;
        }
    }
}
