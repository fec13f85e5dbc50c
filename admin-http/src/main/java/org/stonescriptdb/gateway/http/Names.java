package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.stonescriptdb.gateway.routing.DatabaseName;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Validation of every name a client sends (BRIEF.md's patterns). A validated name holds only
 * {@code [a-z0-9_]} (and one dot for a schema-qualified function), so quoting it as an identifier is exact.
 */
public final class Names {

    /** Stored schema names: same alphabet as tenant ids, starting with a letter. */
    public static final Pattern SCHEMA_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    /** A function, optionally schema-qualified: {@code get_patients}, {@code reporting.monthly}. */
    public static final Pattern FUNCTION = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");
    /** Named arguments of /call. */
    public static final Pattern ARGUMENT = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** The control database's name parses as platform {@code stonescriptdb}; that platform is reserved. */
    public static final String RESERVED_PLATFORM = "stonescriptdb";

    private Names() {
    }

    public static String platform(String value) {
        if (value == null || value.isBlank()) throw ApiException.badRequest("platform is required");
        if (!DatabaseName.PLATFORM.matcher(value).matches()) {
            throw new ApiException(400, "invalid_name", "platform must match [a-z][a-z0-9]{1,30} (no underscore), got '"
                    + printable(value) + "'", null, null, java.util.Map.of());
        }
        if (value.equals(RESERVED_PLATFORM)) {
            throw new ApiException(400, "invalid_name", "platform '" + RESERVED_PLATFORM + "' is reserved for the gateway's control database");
        }
        return value;
    }

    /** The database of a platform and tenant ({@code null} tenant = main). */
    public static DatabaseName database(String platform, String tenantId) {
        String p = platform(platform);
        if (tenantId == null) return DatabaseName.main(p);
        if (!DatabaseName.TENANT_ID.matcher(tenantId).matches() || tenantId.equals("main")) {
            throw new ApiException(400, "invalid_name", "tenant_id must match [a-z0-9_]{1,30} and not be 'main', got '"
                    + printable(tenantId) + "'", p, null, java.util.Map.of());
        }
        try {
            return DatabaseName.tenant(p, tenantId);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid_name", "database name " + p + "_" + tenantId + " is longer than 63 bytes", p, tenantId, java.util.Map.of());
        }
    }

    public static String schemaName(String value) {
        if (value == null || value.isBlank()) throw ApiException.badRequest("schema_name is required");
        if (!SCHEMA_NAME.matcher(value).matches()) {
            throw new ApiException(400, "invalid_name", "schema_name must match [a-z][a-z0-9_]{0,62}, got '" + printable(value) + "'");
        }
        return value;
    }

    public static String function(String value) {
        if (value == null || value.isBlank()) throw ApiException.badRequest("function is required");
        if (!FUNCTION.matcher(value).matches()) {
            throw new ApiException(400, "invalid_name", "function must be a lower-case name such as get_patients or reporting.monthly, got '"
                    + printable(value) + "'");
        }
        return value;
    }

    /** {@code "a"."b"} for {@code a.b}; only for names validated above. */
    public static String quoted(String validated) {
        StringBuilder b = new StringBuilder();
        for (String part : validated.split("\\.")) {
            if (!b.isEmpty()) b.append('.');
            b.append('"').append(part).append('"');
        }
        return b.toString();
    }

    /** A text field of a JSON body; {@code null} when absent or JSON null; 400 when not a string. */
    public static String text(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiException.badRequest(field + " must be a string, got " + v.getNodeType().toString().toLowerCase(Locale.ROOT));
        return v.asText();
    }

    public static boolean flag(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return false;
        if (v.isBoolean()) return v.booleanValue();
        if (v.isTextual()) return flag(v.asText(), field);
        throw ApiException.badRequest(field + " must be true or false");
    }

    /** A form or query flag: true/false/1/0/yes/no, absent = false. */
    public static boolean flag(String value, String field) {
        if (value == null || value.isBlank()) return false;
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw ApiException.badRequest(field + " must be true or false, got '" + printable(value) + "'");
        };
    }

    /** A client value echoed in a message: shortened, control characters replaced. */
    static String printable(String value) {
        String v = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return v.replaceAll("\\p{Cntrl}", "?");
    }
}
