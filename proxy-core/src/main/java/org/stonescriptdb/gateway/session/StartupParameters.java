package org.stonescriptdb.gateway.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a client's startup packet asks of its session: run-time settings (plain parameters and
 * {@code options=-c name=value}), and the protocol options the gateway does not recognise.
 */
public record StartupParameters(String user, String database, Map<String, String> settings, List<String> unknownProtocolOptions,
                                String replication, int requestedMinorVersion) {

    /** Keys of the startup packet that are not run-time settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("user", "database", "options", "replication");

    public static StartupParameters from(Map<String, String> packet) {
        return from(packet, 0);
    }

    public static StartupParameters from(Map<String, String> packet, int requestedMinorVersion) {
        Map<String, String> settings = new LinkedHashMap<>();
        List<String> protocolOptions = new ArrayList<>();
        packet.forEach((name, value) -> {
            if (name.startsWith("_pq_.")) protocolOptions.add(name);
            else if (!NOT_SETTINGS.contains(name)) set(settings, name, value);
        });
        // The server applies the options switches first and the plain parameters after them (postinit.c,
        // process_startup_options), so a plain parameter wins over the same setting (names are case-insensitive)
        // in options; the options only add settings the plain parameters do not have.
        String options = packet.get("options");
        if (options != null) {
            parseOptions(options).forEach((name, value) -> {
                if (find(settings, name) == null) settings.put(name, value);
            });
        }
        String user = packet.get("user");
        String database = packet.get("database");
        if (database == null || database.isEmpty()) database = user;
        return new StartupParameters(user, database, settings, List.copyOf(protocolOptions), packet.get("replication"),
                requestedMinorVersion);
    }

    /** A client asking for a newer minor version or for protocol options is told we speak plain 3.0. */
    public boolean needsProtocolNegotiation() {
        return requestedMinorVersion > 0 || !unknownProtocolOptions.isEmpty();
    }

    /** True when the client asks for a replication connection ({@code replication=true|database|on|yes|1}). */
    public boolean wantsReplication() {
        if (replication == null) return false;
        return switch (replication.toLowerCase(Locale.ROOT)) {
            case "false", "off", "no", "0" -> false;
            default -> true;
        };
    }

    /**
     * Parses the {@code options} string the way the server does: whitespace separates arguments, a backslash
     * escapes the next character; {@code -c name=value} and {@code --name=value} set parameters. Other switches are
     * ignored.
     */
    static Map<String, String> parseOptions(String options) {
        List<String> args = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i < options.length(); i++) {
            char ch = options.charAt(i);
            if (escaped) {
                current.append(ch);
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (Character.isWhitespace(ch)) {
                if (!current.isEmpty()) args.add(current.toString());
                current.setLength(0);
            } else {
                current.append(ch);
            }
        }
        if (!current.isEmpty()) args.add(current.toString());
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String assignment = null;
            if (arg.equals("-c") && i + 1 < args.size()) assignment = args.get(++i);
            else if (arg.startsWith("-c")) assignment = arg.substring(2);
            else if (arg.startsWith("--")) assignment = arg.substring(2);
            if (assignment == null) continue;
            int eq = assignment.indexOf('=');
            if (eq > 0) set(out, assignment.substring(0, eq).replace('-', '_'), assignment.substring(eq + 1));
        }
        return out;
    }

    /** Sets {@code name}, replacing a setting whose name differs only in case (setting names are case-insensitive). */
    private static void set(Map<String, String> settings, String name, String value) {
        String existing = find(settings, name);
        if (existing != null && !existing.equals(name)) settings.remove(existing);
        settings.put(name, value);
    }

    /** The key of {@code settings} that names the same setting as {@code name}, or null. */
    private static String find(Map<String, String> settings, String name) {
        if (settings.containsKey(name)) return name;
        for (String key : settings.keySet()) {
            if (key.equalsIgnoreCase(name)) return key;
        }
        return null;
    }
}
