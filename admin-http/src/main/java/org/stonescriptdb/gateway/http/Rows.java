package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.postgresql.util.PGobject;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Result rows as JSON with native types: numbers as numbers (numeric keeps its exact digits), booleans,
 * json/jsonb as embedded JSON, arrays as arrays, timestamps as ISO-8601 text, bytea as base64, NULL as null.
 */
final class Rows {

    private Rows() {
    }

    /** The current row as column label → value, in column order (a repeated label keeps its last value). */
    static Map<String, Object> row(ResultSet rs, ResultSetMetaData meta) throws SQLException {
        int columns = meta.getColumnCount();
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= columns; i++) row.put(meta.getColumnLabel(i), value(rs, i, meta.getColumnTypeName(i)));
        return row;
    }

    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        switch (type) {
            case "timestamptz" -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                return t == null ? null : t.toString();
            }
            case "timestamp" -> {
                LocalDateTime t = rs.getObject(i, LocalDateTime.class);
                return t == null ? null : t.toString();
            }
            case "date" -> {
                LocalDate d = rs.getObject(i, LocalDate.class);
                return d == null ? null : d.toString();
            }
            default -> {
                return plain(rs.getObject(i));
            }
        }
    }

    private static Object plain(Object v) throws SQLException {
        if (v == null || v instanceof Number && !(v instanceof Double d && !Double.isFinite(d)) && !(v instanceof Float f && !Float.isFinite(f))
                || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (v instanceof PGobject pg) {
            if (pg.getValue() != null && ("json".equals(pg.getType()) || "jsonb".equals(pg.getType()))) {
                try {
                    return Json.MAPPER.readTree(pg.getValue());
                } catch (JsonProcessingException e) {
                    return pg.getValue();
                }
            }
            return pg.getValue();
        }
        if (v instanceof Array array) return plain(array.getArray());
        if (v instanceof Object[] elements) {
            List<Object> out = new ArrayList<>();
            for (Object e : elements) out.add(plain(e));
            return out;
        }
        if (v instanceof byte[] bytes) return Base64.getEncoder().encodeToString(bytes);
        if (v instanceof java.sql.Timestamp || v instanceof java.sql.Date || v instanceof java.sql.Time) return v.toString();
        if (v instanceof Map<?, ?> map) return map; // hstore
        return v.toString();
    }
}
