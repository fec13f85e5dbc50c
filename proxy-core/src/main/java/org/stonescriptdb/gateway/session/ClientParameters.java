package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.Wire;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's session settings as the gateway tracks them: the parameters the server reports (as the client
 * last saw them) and the startup settings the server does not report. {@link #syncFor} says what a backend
 * must be told before it serves this client.
 */
final class ClientParameters {

    /** Reported by the server but not settable, or not the client's to set. */
    private static final Set<String> NOT_REPLAYABLE = Set.of("server_version", "server_encoding", "integer_datetimes",
            "is_superuser", "session_authorization", "in_hot_standby", "scram_iterations");

    /** Reported parameters: canonical name → value, as last reported to the client. */
    private final Map<String, String> reported = new LinkedHashMap<>();
    /** Startup settings the server does not report: lower-case name → value. */
    private final Map<String, String> unreported = new LinkedHashMap<>();
    /** A read-only view of {@link #unreported}'s names, made once: the SQL of every query is classified against it. */
    private final Set<String> unreportedNames = Collections.unmodifiableSet(unreported.keySet());
    private final Map<String, String> requested;
    /**
     * The replayable reported parameters as the client had them right after login: what a RESET returns them to on
     * a direct connection (the backend's own defaults are the gateway's startup values).
     */
    private Map<String, String> loginValues = Map.of();
    private Set<String> trackedNames;
    private int trackedFor = -1;
    /** The replayable settings as one value, shared by all clients with the same ones; null when they changed. */
    private SettingsState state;

    /**
     * Canonical instances, so "this backend matches these settings" is one identity comparison. Bounded crudely: when
     * full it starts over, which costs each backend one full comparison.
     */
    private static final int STATES_LIMIT = 10_000;
    private static final ConcurrentHashMap<SettingsState, SettingsState> STATES = new ConcurrentHashMap<>();

    private record SettingsState(Map<String, String> reported, Map<String, String> unreported) {
    }

    ClientParameters(Map<String, String> startupSettings) {
        this.requested = startupSettings;
    }

    /**
     * Settings the gateway's own startup packet gives its backends (so an idle one is recognisable in
     * pg_stat_activity), with what a client that did not ask for them has on a direct connection instead.
     */
    private static final Map<String, String> GATEWAY_STARTUP_DEFAULTS = Map.of("application_name", "");

    /**
     * The application_name the client's session has (before login: the one it asked for, or none): a backend opened
     * for this client starts with it, so the session reset, which returns to a backend's startup values, leaves it be.
     */
    String applicationName() {
        String current = reported.get("application_name");
        if (current != null) return current;
        String asked = valueOf(requested, "application_name");
        return asked == null ? "" : asked;
    }

    /** What a backend must be told at login so its session has exactly the startup packet's settings. */
    Sync loginSync(BackendConnection backend) {
        Map<String, String> set = new LinkedHashMap<>();
        Set<String> requestedLower = new TreeSet<>();
        GATEWAY_STARTUP_DEFAULTS.forEach((name, value) -> {
            if (valueOf(requested, name) == null && !value.equals(valueOf(backend.parameters(), name))) set.put(name, value);
        });
        requested.forEach((name, value) -> {
            requestedLower.add(name.toLowerCase(Locale.ROOT));
            String current = valueOf(backend.parameters(), name);
            if (current == null) current = backend.appliedSettings().get(name.toLowerCase(Locale.ROOT));
            if (!value.equals(current)) set.put(name, value);
        });
        List<String> reset = new ArrayList<>();
        for (String name : backend.appliedSettings().keySet()) if (!requestedLower.contains(name)) reset.add(name);
        return new Sync(set, reset);
    }

    /** After the login sync took effect on {@code backend}: remember what the client now has. */
    void loginSynced(BackendConnection backend, Sync sync) {
        greetedWith(backend.parameters());
        synced(backend, sync);
    }

    /**
     * The client is greeted with {@code serverReported} — its backend's parameters after its startup settings took
     * effect, or those of an earlier login with the same settings ({@link LoginGreetings}): what it now has.
     */
    void greetedWith(Map<String, String> serverReported) {
        reported.clear();
        reported.putAll(serverReported);
        Set<String> reportedLower = new TreeSet<>();
        serverReported.keySet().forEach(k -> reportedLower.add(k.toLowerCase(Locale.ROOT)));
        unreported.clear();
        requested.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!reportedLower.contains(lower)) unreported.put(lower, value);
        });
        state = null;
        loginValues = Map.copyOf(state().reported());
    }

    /** The startup packet's settings, as the client sent them. */
    Map<String, String> requested() {
        return requested;
    }

    /**
     * What {@code reset} must put back on a backend for this client — the login value of each reported parameter it
     * names, and the startup value of each unreported one — so RESET behaves as on a direct connection.
     */
    Map<String, String> restoreValues(SessionStateEffect.ResetSettings reset) {
        Map<String, String> out = new LinkedHashMap<>();
        loginValues.forEach((name, value) -> {
            if (reset.all() || reset.names().contains(name.toLowerCase(Locale.ROOT))) out.put(name, value);
        });
        unreported.forEach((name, value) -> {
            if (reset.all() || reset.names().contains(name)) out.put(name, value);
        });
        return out;
    }

    Map<String, String> reported() {
        return reported;
    }

    /**
     * A ParameterStatus from the client's backend (whole message): true if it tells the client something new, and the
     * client now has this value. False for the value the client already has — PostgreSQL reports only changes, so a
     * direct connection never repeats a value; behind the gateway the backend may, for what it had reported to another
     * client (a reset that joins the client's batch reports at the client's ReadyForQuery what it put back).
     */
    boolean parameterStatus(ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + 5, message.readableBytes() - 5);
        String name = Wire.readCString(body);
        String value = Wire.readCString(body);
        if (value.equals(reported.put(name, value))) return false;
        state = null;
        return true;
    }

    /** Lower-case names of reported parameters the gateway replays; SET of any other pins the client. */
    Set<String> trackedNames() {
        Set<String> cached = trackedNames;
        if (cached != null && trackedFor == reported.size()) return cached;
        Set<String> out = new TreeSet<>();
        for (String name : reported.keySet()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!NOT_REPLAYABLE.contains(lower)) out.add(lower);
        }
        // Names only ever join the map (a server reports each parameter under one name), so its size tells staleness.
        trackedNames = Set.copyOf(out);
        trackedFor = reported.size();
        return trackedNames;
    }

    /** Lower-case names of the client's startup settings the server does not report (the gateway replays them). */
    Set<String> unreportedNames() {
        return unreportedNames;
    }

    /** The settings to set and reset on {@code backend} so its session matches this client's. */
    Sync syncFor(BackendConnection backend) {
        SettingsState mine = state();
        if (backend.matchedSettings() == mine) return Sync.NONE;
        Map<String, String> set = new LinkedHashMap<>();
        mine.reported().forEach((name, value) -> {
            if (!value.equals(backend.parameters().get(name))) set.put(name, value);
        });
        mine.unreported().forEach((name, value) -> {
            if (!value.equals(backend.appliedSettings().get(name))) set.put(name, value);
        });
        List<String> reset = new ArrayList<>();
        for (String name : backend.appliedSettings().keySet()) if (!mine.unreported().containsKey(name)) reset.add(name);
        if (set.isEmpty() && reset.isEmpty()) {
            backend.matchedSettings(mine);
            return Sync.NONE;
        }
        return new Sync(set, reset);
    }

    /** The replayable reported parameters and the unreported startup settings, canonicalised. */
    private SettingsState state() {
        SettingsState s = state;
        if (s != null) return s;
        Map<String, String> replayable = new LinkedHashMap<>();
        reported.forEach((name, value) -> {
            if (!NOT_REPLAYABLE.contains(name.toLowerCase(Locale.ROOT))) replayable.put(name, value);
        });
        // Kept in order (the order settings are replayed in); map equality ignores order.
        s = new SettingsState(Collections.unmodifiableMap(replayable), Collections.unmodifiableMap(new LinkedHashMap<>(unreported)));
        if (STATES.size() >= STATES_LIMIT) STATES.clear();
        SettingsState canonical = STATES.putIfAbsent(s, s);
        state = canonical != null ? canonical : s;
        return state;
    }

    /** Records that {@code sync} succeeded on {@code backend}. */
    void synced(BackendConnection backend, Sync sync) {
        backend.settingsApplied(unreported, sync.reset());
    }

    record Sync(Map<String, String> set, List<String> reset) {
        static final Sync NONE = new Sync(Map.of(), List.of());

        boolean isEmpty() {
            return set.isEmpty() && reset.isEmpty();
        }

        ByteBuf encode(ByteBufAllocator alloc, List<String> closeStatements) {
            return ClientMessages.sessionSync(alloc, set, reset, closeStatements);
        }
    }

    private static String valueOf(Map<String, String> params, String name) {
        String exact = params.get(name);
        if (exact != null) return exact;
        for (Map.Entry<String, String> e : params.entrySet()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        return null;
    }

}
