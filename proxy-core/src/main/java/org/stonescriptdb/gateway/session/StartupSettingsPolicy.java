package org.stonescriptdb.gateway.session;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which run-time settings a start-up packet may carry through the gateway. A setting in the start-up packet is
 * applied to a shared backend connection, so only settings that shape the client's own session are let through:
 * what the common drivers send (libpq, pgjdbc, psycopg, asyncpg, node-postgres, pgx, Npgsql), and the usual
 * per-session settings a non-superuser may set with {@code options=-c name=value}. Identity and replication
 * settings ({@code role}, {@code session_authorization}, {@code session_replication_role}) and anything else are
 * refused before the client is admitted, with the SQLSTATE the server gives for a setting one may not change.
 * This is a first filter, not the boundary: the backend's own login privileges are.
 */
public final class StartupSettingsPolicy {

    /** Lower-case names a start-up packet may set (docs/security.md lists them). */
    static final Set<String> ALLOWED = Set.of(
            // sent by drivers
            "application_name", "client_encoding", "datestyle", "timezone", "extra_float_digits", "search_path",
            "intervalstyle", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
            // per-session settings applications commonly pass in options
            "idle_session_timeout", "transaction_timeout", "default_transaction_isolation", "default_transaction_read_only",
            "default_transaction_deferrable", "bytea_output", "client_min_messages", "standard_conforming_strings",
            "work_mem", "maintenance_work_mem", "temp_buffers", "jit", "plan_cache_mode", "synchronous_commit",
            "row_security", "default_text_search_config", "xmloption", "xmlbinary", "lc_monetary", "lc_numeric",
            "lc_time", "timezone_abbreviations", "geqo", "random_page_cost", "seq_page_cost", "effective_cache_size",
            "effective_io_concurrency", "cursor_tuple_fraction", "from_collapse_limit", "join_collapse_limit",
            "check_function_bodies", "array_nulls", "quote_all_identifiers", "gin_fuzzy_search_limit",
            "default_toast_compression", "temp_tablespaces", "hash_mem_multiplier",
            ClientSession.POOL_MODE_SETTING);

    /** Planner switches ({@code enable_seqscan} …) are all a user's to set. */
    private static final String PLANNER_SWITCH_PREFIX = "enable_";
    /** An application's own variable ({@code myapp.tenant}), as used by row-level security policies. */
    private static final Pattern CUSTOM_VARIABLE = Pattern.compile("[a-z_][a-z0-9_$]*\\.[a-z_][a-z0-9_$.]*");
    /** Custom-variable prefixes of the gateway itself and of extensions whose settings are the superuser's. */
    private static final Set<String> RESERVED_PREFIXES = Set.of("gateway", "auto_explain", "pg_stat_statements",
            "plpgsql", "pg_prewarm", "pg_hint_plan");

    private StartupSettingsPolicy() {
    }

    /** The first setting of {@code settings} a start-up packet may not carry, as the client spelled it; null when all may. */
    public static String firstRefused(Map<String, String> settings) {
        for (String name : settings.keySet()) {
            if (!allowed(name)) return name;
        }
        return null;
    }

    static boolean allowed(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (ALLOWED.contains(lower) || lower.startsWith(PLANNER_SWITCH_PREFIX)) return true;
        if (!CUSTOM_VARIABLE.matcher(lower).matches()) return false;
        return !RESERVED_PREFIXES.contains(lower.substring(0, lower.indexOf('.')));
    }
}
