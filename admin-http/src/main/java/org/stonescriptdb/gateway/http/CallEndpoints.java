package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.protocol.SqlState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.postgresql.core.BaseConnection;
import org.stonescriptdb.gateway.metrics.GatewayMetrics;
import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.registry.DatabaseConnections;
import org.stonescriptdb.gateway.registry.ReadBudget;
import org.stonescriptdb.gateway.routing.DatabaseName;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /call} (a function the gateway deployed for the platform) and {@code POST /query} (one
 * parameterised statement, seed 000 §4.1). Both run in one transaction under {@code statement_timeout}, with
 * every value bound as an untyped parameter so PostgreSQL types it from the function or the statement; the
 * connection is reset before the next request gets it ({@link DatabaseConnections#inTransaction}).
 *
 * <p>The answer is bounded by {@code HTTP_MAX_RESULT_BYTES}: rows are fetched in batches and written as JSON as they
 * come, and a result whose JSON passes the cap is refused ({@code 422 result_too_large}) as soon as it does. What the
 * driver reads from PostgreSQL for one request is bounded too ({@link ReadBudget}), so a batch of huge rows is cut
 * off while it arrives rather than held whole.
 */
public final class CallEndpoints {

    /** How long one /call or /query statement may run. */
    public static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Rows per batch read from PostgreSQL. pgjdbc reads the whole result at once unless a fetch size is set on a
     * connection outside autocommit (each request runs in its own transaction, so it is).
     */
    static final int FETCH_ROWS = 256;
    private static final String FUNCTIONS_TABLE = "_stonescriptdb_gateway_functions";

    private final ApiKeys keys;
    private final BackendDatabases backend;
    private final DatabaseConnections connections;
    private final GatewayMetrics metrics;
    private final long maxResultBytes;

    /** @param maxResultBytes {@code HTTP_MAX_RESULT_BYTES}: the largest {@code rows} array answered, as JSON */
    public CallEndpoints(ApiKeys keys, BackendDatabases backend, DatabaseConnections connections, GatewayMetrics metrics,
                         long maxResultBytes) {
        this.keys = keys;
        this.backend = backend;
        this.connections = connections;
        this.metrics = metrics;
        this.maxResultBytes = maxResultBytes;
    }

    public List<Endpoint.Route> routes() {
        return List.of(new Endpoint.Route("POST", "/call", this::call), new Endpoint.Route("POST", "/query", this::query));
    }

    Endpoint.Reply call(Request request) throws Exception {
        ObjectNode body = request.json();
        DatabaseName db = target(request, body);
        String function = Names.function(Names.text(body, "function"));
        JsonNode params = body.get("params");
        List<JsonNode> values = new ArrayList<>();
        StringBuilder args = new StringBuilder();
        if (params == null || params.isNull()) {
            // no arguments
        } else if (params.isArray()) {
            for (JsonNode p : params) {
                if (!args.isEmpty()) args.append(", ");
                args.append('?');
                values.add(p);
            }
        } else if (params.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!Names.ARGUMENT.matcher(e.getKey()).matches()) {
                    throw new ApiException(400, "invalid_name", "params key '" + Names.printable(e.getKey())
                            + "' is not an argument name ([a-z_][a-z0-9_]*)");
                }
                if (!args.isEmpty()) args.append(", ");
                args.append('"').append(e.getKey()).append("\" => ?");
                values.add(e.getValue());
            }
        } else {
            throw ApiException.badRequest("params must be an array (positional) or an object (named arguments)");
        }
        String sql = "SELECT * FROM " + Names.quoted(function) + "(" + args + ")";
        return run(db, c -> {
            requireCallable(c, db, function);
            return new Bound(sql, values);
        });
    }

    Endpoint.Reply query(Request request) throws Exception {
        ObjectNode body = request.json();
        DatabaseName db = target(request, body);
        String query = Names.text(body, "query");
        if (query == null || query.isBlank()) throw ApiException.badRequest("query is required");
        JsonNode params = body.get("params");
        if (params != null && !params.isNull() && !params.isArray()) throw ApiException.badRequest("params must be an array ($1 is the first)");
        int given = params == null || params.isNull() ? 0 : params.size();
        return run(db, c -> {
            // Read as pgjdbc will read it on this connection (see QueryText), so the statement count is pgjdbc's own.
            QueryText text = QueryText.parse(query, c.unwrap(BaseConnection.class).getStandardConformingStrings());
            List<JsonNode> values = new ArrayList<>();
            for (int index : text.bindings()) {
                if (index >= given) {
                    throw ApiException.badRequest("query uses $" + (index + 1) + " but params has " + given + " value(s)");
                }
                values.add(params.get(index));
            }
            return new Bound(text.sql(), values);
        });
    }

    /** A statement with JDBC placeholders and the values they bind. */
    private record Bound(String sql, List<JsonNode> values) {
    }

    /** What to run, decided on the connection that runs it (inside its transaction). */
    @FunctionalInterface
    private interface StatementSource {
        Bound on(Connection c) throws SQLException;
    }

    /** Platform and tenant from the body, the platform's key, and the database must exist. */
    private DatabaseName target(Request request, ObjectNode body) throws SQLException {
        String platform = Names.platform(Names.text(body, "platform"));
        keys.requirePlatform(request, platform);
        DatabaseName db = Names.database(platform, Names.text(body, "tenant_id"));
        if (!backend.exists(db.text())) {
            throw ApiException.notFound("database_not_found", "Database " + db + " does not exist", platform, db.tenantId());
        }
        return db;
    }

    private Endpoint.Reply run(DatabaseName db, StatementSource source) throws Exception {
        long started = System.nanoTime();
        boolean ok = false;
        try (ReadBudget budget = ReadBudget.open(readBudget())) {
            JsonRows result;
            try {
                result = connections.inTransaction(db.text(), c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("SET LOCAL statement_timeout = " + STATEMENT_TIMEOUT.toMillis());
                    }
                    Bound bound = source.on(c);
                    // A PreparedStatement of one statement is one Parse message (extended protocol, see DatabaseConnections).
                    try (PreparedStatement ps = c.prepareStatement(bound.sql())) {
                        for (int i = 0; i < bound.values().size(); i++) bind(ps, i + 1, bound.values().get(i));
                        ps.setFetchSize(FETCH_ROWS);
                        if (!ps.execute()) return JsonRows.none(Math.max(0, ps.getUpdateCount()));
                        try (ResultSet rs = ps.getResultSet()) {
                            return JsonRows.write(rs, maxResultBytes);
                        }
                    }
                });
            } catch (SQLException e) {
                if (budget.exceeded()) throw resultTooLarge(db);
                throw e;
            } catch (JsonRows.TooLarge e) {
                throw resultTooLarge(db);
            }
            ok = true;
            return answer(result, (System.nanoTime() - started) / 1_000_000);
        } catch (SQLException e) {
            if (AdminServer.backendUnavailable(e)) throw e;
            throw queryFailed(db, e);
        } finally {
            metrics.query(db.platform(), Duration.ofNanos(System.nanoTime() - started), ok);
        }
    }

    /**
     * What one request may read from PostgreSQL: twice the cap (rows can be larger on the wire than as JSON — bytea
     * travels as hex, base64 in JSON), and some room for the protocol's own messages.
     */
    private long readBudget() {
        return 2 * maxResultBytes + 64 * 1024;
    }

    /** {@code {"rows": [...], "row_count": n, "execution_time_ms": t}}, the rows' bytes sent as they were written. */
    private static Endpoint.Reply answer(JsonRows result, long millis) {
        List<ByteBuffer> parts = new ArrayList<>();
        parts.add(ascii("{\"rows\":"));
        parts.addAll(result.json());
        parts.add(ascii(",\"row_count\":" + result.rows() + ",\"execution_time_ms\":" + millis + "}"));
        return Endpoint.Reply.jsonBytes(200, parts);
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private ApiException resultTooLarge(DatabaseName db) {
        return new ApiException(422, "result_too_large", "the result is larger than the limit of " + maxResultBytes
                + " bytes of JSON (HTTP_MAX_RESULT_BYTES); select fewer rows or columns (LIMIT, a narrower select list) "
                + "or page through the result", db.platform(), db.tenantId(), Map.of("limit_bytes", maxResultBytes));
    }

    private static void requireCallable(Connection c, DatabaseName db, String function) throws SQLException {
        String lookup = "SELECT 1 FROM " + FUNCTIONS_TABLE + " WHERE name = ? AND routine_kind <> 'procedure' LIMIT 1";
        try (Statement probe = c.createStatement()) {
            probe.execute("SAVEPOINT lookup");
        }
        try (PreparedStatement s = c.prepareStatement(lookup)) {
            s.setString(1, function);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) return;
            }
        } catch (SQLException e) {
            // No tracking table: nothing was ever deployed there, so nothing is callable.
            if (!SqlState.UNDEFINED_TABLE.equals(e.getSQLState())) throw e;
            try (Statement back = c.createStatement()) {
                back.execute("ROLLBACK TO SAVEPOINT lookup");
            }
        }
        throw ApiException.notFound("function_not_found", "function " + function + " is not deployed by the gateway in " + db
                + " (only functions of the platform's schema bundle can be called)", db.platform(), db.tenantId());
    }

    /** Bound untyped (text), so PostgreSQL infers the parameter's type; objects and arrays as their JSON text. */
    private static void bind(PreparedStatement ps, int index, JsonNode v) throws SQLException {
        if (v == null || v.isNull()) {
            ps.setNull(index, Types.OTHER);
        } else if (v.isValueNode()) {
            ps.setObject(index, v.asText(), Types.OTHER);
        } else {
            ps.setObject(index, v.toString(), Types.OTHER);
        }
    }

    private static ApiException queryFailed(DatabaseName db, SQLException e) {
        String state = e.getSQLState();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("sql_state", state);
        if (QueryText.isSeveralCommands(e)) {
            return new ApiException(400, "bad_request", QueryText.SINGLE_STATEMENT, db.platform(), db.tenantId(), extra);
        }
        if (SqlState.QUERY_CANCELED.equals(state)) {
            return new ApiException(400, "statement_timeout", "the statement ran longer than the statement timeout of "
                    + STATEMENT_TIMEOUT.toSeconds() + " s and was cancelled", db.platform(), db.tenantId(), extra);
        }
        if (SqlState.UNDEFINED_FUNCTION.equals(state)) {
            return new ApiException(404, "function_not_found", e.getMessage(), db.platform(), db.tenantId(), extra);
        }
        return new ApiException(400, "query_failed", e.getMessage(), db.platform(), db.tenantId(), extra);
    }
}
