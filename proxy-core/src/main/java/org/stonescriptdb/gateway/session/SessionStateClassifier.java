package org.stonescriptdb.gateway.session;

import java.util.List;
import java.util.Set;

/**
 * Decides from the text of a client's query whether it creates session state that transaction pooling cannot
 * carry to another backend. Reported parameters (ParameterStatus) are not such state: the gateway tracks
 * them and sets them on whichever backend the client gets next.
 */
final class SessionStateClassifier {

    /** Statements by query text: most applications send the same few hundred queries again and again. */
    private static final int CACHE_LIMIT = 4096;
    private static final java.util.concurrent.ConcurrentHashMap<String, List<SqlScanner.Statement>> PARSED = new java.util.concurrent.ConcurrentHashMap<>();

    private SessionStateClassifier() {
    }

    private static List<SqlScanner.Statement> statements(String sql) {
        List<SqlScanner.Statement> cached = PARSED.get(sql);
        if (cached != null) return cached;
        List<SqlScanner.Statement> parsed = SqlScanner.statements(sql);
        if (sql.length() <= 4096) {
            if (PARSED.size() >= CACHE_LIMIT) PARSED.clear(); // crude bound; refilled by the hot queries at once
            PARSED.put(sql, parsed);
        }
        return parsed;
    }

    /**
     * Whether {@code sql} contains, in any letter case, a word every session-affecting statement needs: {@code set}
     * (also in {@code reset} and {@code set_config}), {@code listen}, {@code prepare}, {@code load}, {@code declare},
     * {@code temp} (temporary objects), {@code deallocate}, {@code discard}, {@code advisory}. Most queries contain
     * none — pgbench's {@code SELECT abalance FROM pgbench_accounts WHERE aid = 4711} among them, a different text
     * each time — and skip the scanner and its cache altogether. A false positive only costs the full scan.
     */
    static boolean mentionsSessionKeyword(CharSequence sql) {
        int n = sql.length();
        for (int i = 0; i < n; i++) {
            boolean found = switch (sql.charAt(i) | 0x20) { // ASCII letters to lower case; other characters never match
                case 's' -> at(sql, i, "set");
                case 'l' -> at(sql, i, "listen") || at(sql, i, "load");
                case 'p' -> at(sql, i, "prepare");
                case 'd' -> at(sql, i, "declare") || at(sql, i, "deallocate") || at(sql, i, "discard");
                case 't' -> at(sql, i, "temp");
                case 'a' -> at(sql, i, "advisory");
                default -> false;
            };
            if (found) return true;
        }
        return false;
    }

    /** Whether {@code sql} has {@code word} (lower-case letters) at {@code i}, in any letter case. */
    private static boolean at(CharSequence sql, int i, String word) {
        int n = word.length();
        if (i + n > sql.length()) return false;
        // Only an ASCII letter ORed with 0x20 gives a lower-case letter; so no other character can match.
        for (int k = 1; k < n; k++) if ((sql.charAt(i + k) | 0x20) != word.charAt(k)) return false;
        return true;
    }

    /** Number of statements in {@code sql} (cached like {@link #classify}). */
    static int statementCount(String sql) {
        return statements(sql).size();
    }

    /**
     * The strongest effect of any statement in {@code sql} (a pin beats everything).
     *
     * @param tracked lower-case names of the parameters the server reports and the gateway replays (which ones
     *                depends on the server version: PostgreSQL 18 reports search_path, 17 does not); SET of any
     *                other parameter pins
     * @param startupUnreported lower-case names of the client's startup settings the server does not report: a RESET
     *                of one (back to the startup value, which the gateway knows) does not pin
     */
    static SessionStateEffect classify(CharSequence sql, Set<String> tracked, Set<String> startupUnreported) {
        if (!mentionsSessionKeyword(sql)) return SessionStateEffect.NONE;
        SessionStateEffect result = SessionStateEffect.NONE;
        Settings settings = new Settings(tracked, startupUnreported);
        for (SqlScanner.Statement s : statements(sql.toString())) {
            SessionStateEffect e = classify(s, settings);
            if (e instanceof SessionStateEffect.Pin) return e;
            result = SessionStateEffect.combine(result, e);
        }
        return result;
    }

    /** What the gateway knows about a client's settings: the ones it replays, and the ones it can put back after a RESET. */
    private record Settings(Set<String> tracked, Set<String> startupUnreported) {
        boolean resettable(String name) {
            return tracked.contains(name) || startupUnreported.contains(name);
        }
    }

    private static SessionStateEffect classify(SqlScanner.Statement s, Settings settings) {
        String first = s.word(0);
        SessionStateEffect functions = sessionFunctions(s.words());
        if (functions != null) return functions;
        return switch (first) {
            case "set" -> classifySet(s, settings);
            case "reset" -> classifyReset(s, settings);
            case "listen" -> pin("LISTEN");
            case "prepare" -> s.word(1).equals("transaction") ? SessionStateEffect.NONE : pin("SQL PREPARE");
            case "load" -> new SessionStateEffect.Pin("LOAD", false);
            case "declare" -> s.words().contains("hold") && !s.words().contains("without") ? pin("DECLARE … WITH HOLD") : SessionStateEffect.NONE;
            case "create" -> createsTemporaryObject(s) ? pin("CREATE TEMP") : SessionStateEffect.NONE;
            case "select" -> s.words().contains("into") && (s.words().contains("temp") || s.words().contains("temporary"))
                    ? pin("SELECT INTO TEMP") : SessionStateEffect.NONE;
            case "deallocate" -> deallocate(s);
            case "discard" -> s.word(1).equals("all") ? new SessionStateEffect.DiscardAll() : SessionStateEffect.NONE;
            default -> SessionStateEffect.NONE;
        };
    }

    private static SessionStateEffect classifyReset(SqlScanner.Statement s, Settings settings) {
        String name = s.word(1);
        if (name.equals("all")) return SessionStateEffect.ResetSettings.ALL;
        if (name.equals("time") && s.word(2).equals("zone")) return SessionStateEffect.ResetSettings.of("timezone");
        return settings.resettable(name) ? SessionStateEffect.ResetSettings.of(name) : pin("RESET " + name);
    }

    private static SessionStateEffect classifySet(SqlScanner.Statement s, Settings settings) {
        Set<String> tracked = settings.tracked();
        int i = 1;
        String scope = s.word(i);
        if (scope.equals("local")) return SessionStateEffect.NONE;
        if (scope.equals("transaction")) return SessionStateEffect.NONE;
        if (scope.equals("session")) {
            i++;
            if (s.word(i).equals("characteristics")) {
                // Only READ ONLY / READ WRITE is reported (default_transaction_read_only); isolation levels are not.
                boolean trackable = tracked.contains("default_transaction_read_only")
                        && !s.words().contains("isolation") && !s.words().contains("deferrable");
                return trackable ? SessionStateEffect.NONE : pin("SET SESSION CHARACTERISTICS");
            }
            if (s.word(i).equals("authorization")) return pin("SET SESSION AUTHORIZATION");
        }
        String name = s.word(i);
        if (name.equals("role")) return pin("SET ROLE");
        if (name.equals("time") && s.word(i + 1).equals("zone")) {
            // SET TIME ZONE LOCAL | DEFAULT is a RESET TimeZone
            String value = s.word(i + 2);
            return value.equals("local") || value.equals("default") ? SessionStateEffect.ResetSettings.of("timezone") : SessionStateEffect.NONE;
        }
        if (name.equals("names")) return SessionStateEffect.NONE; // client_encoding
        String to = s.word(i + 1);
        boolean toDefault = (to.equals("to") || to.equals("=")) && s.word(i + 2).equals("default") && s.words().size() == i + 3;
        if (toDefault && settings.resettable(name)) return SessionStateEffect.ResetSettings.of(name);
        return tracked.contains(name) ? SessionStateEffect.NONE : pin("SET " + name);
    }

    private static boolean createsTemporaryObject(SqlScanner.Statement s) {
        for (int i = 1; i < Math.min(s.words().size(), 4); i++) {
            String w = s.word(i);
            if (w.equals("temp") || w.equals("temporary")) return true;
        }
        return false;
    }

    private static SessionStateEffect deallocate(SqlScanner.Statement s) {
        int i = s.word(1).equals("prepare") ? 2 : 1;
        String name = s.word(i);
        if (name.isEmpty()) return SessionStateEffect.NONE;
        return new SessionStateEffect.Deallocate(name.equals("all") ? null : name);
    }

    /** Session-level advisory locks and {@code set_config(…, false)} anywhere in the statement. */
    private static SessionStateEffect sessionFunctions(List<String> words) {
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("pg_advisory_lock") || w.equals("pg_advisory_lock_shared")
                    || w.equals("pg_try_advisory_lock") || w.equals("pg_try_advisory_lock_shared")) {
                return pin("session advisory lock");
            }
            if (w.equals("set_config") && !isLocalSetConfig(words, i)) return pin("set_config(…, false)");
        }
        return null;
    }

    /** {@code set_config(a, b, true)}: the third argument, when it is the literal true, makes it transaction-local. */
    private static boolean isLocalSetConfig(List<String> words, int at) {
        int depth = 0;
        int commas = 0;
        for (int i = at + 1; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("(")) depth++;
            else if (w.equals(")")) {
                if (--depth == 0) return false;
            } else if (w.equals(",") && depth == 1) commas++;
            else if (commas == 2 && depth == 1) return w.equals("true");
        }
        return false;
    }

    private static SessionStateEffect.Pin pin(String reason) {
        return new SessionStateEffect.Pin(reason, true);
    }
}
