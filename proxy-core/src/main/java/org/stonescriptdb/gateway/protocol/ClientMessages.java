package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Encoders for the messages the gateway sends to a backend server as its client. */
public final class ClientMessages {

    public static final int PROTOCOL_3_0 = 196608;
    public static final int CANCEL_REQUEST_CODE = 80877102;
    public static final int SSL_REQUEST_CODE = 80877103;
    public static final int GSSENC_REQUEST_CODE = 80877104;

    private ClientMessages() {
    }

    public static ByteBuf startup(ByteBufAllocator alloc, Map<String, String> params) {
        ByteBuf buf = alloc.buffer();
        buf.writeInt(0);
        buf.writeInt(PROTOCOL_3_0);
        params.forEach((k, v) -> {
            Wire.writeCString(buf, k);
            Wire.writeCString(buf, v);
        });
        buf.writeByte(0);
        buf.setInt(0, buf.writerIndex());
        return buf;
    }

    /** Asks the server for TLS; it answers one byte, 'S' or 'N'. */
    public static ByteBuf sslRequest(ByteBufAllocator alloc) {
        return alloc.buffer(8).writeInt(8).writeInt(SSL_REQUEST_CODE);
    }

    public static ByteBuf cancelRequest(ByteBufAllocator alloc, int processId, int secret) {
        return alloc.buffer(16).writeInt(16).writeInt(CANCEL_REQUEST_CODE).writeInt(processId).writeInt(secret);
    }

    public static ByteBuf password(ByteBufAllocator alloc, String password) {
        ByteBuf buf = alloc.buffer();
        int at = Wire.begin(buf, FrontendType.PASSWORD);
        Wire.writeCString(buf, password);
        Wire.finish(buf, at);
        return buf;
    }

    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, byte[] data) {
        ByteBuf buf = alloc.buffer();
        int at = Wire.begin(buf, FrontendType.PASSWORD);
        Wire.writeCString(buf, mechanism);
        buf.writeInt(data.length);
        buf.writeBytes(data);
        Wire.finish(buf, at);
        return buf;
    }

    public static ByteBuf saslResponse(ByteBufAllocator alloc, byte[] data) {
        ByteBuf buf = alloc.buffer();
        int at = Wire.begin(buf, FrontendType.PASSWORD);
        buf.writeBytes(data);
        Wire.finish(buf, at);
        return buf;
    }

    public static ByteBuf query(ByteBufAllocator alloc, String sql) {
        ByteBuf buf = alloc.buffer(6 + sql.length());
        int at = Wire.begin(buf, FrontendType.QUERY);
        Wire.writeCString(buf, sql);
        Wire.finish(buf, at);
        return buf;
    }

    /**
     * What a backend runs before it passes from one client to another, so nothing one client did to its session reaches
     * the next: the login identity and role, every setting, cursors, LISTENs, session advisory locks, temporary objects
     * and sequence state go back to how a new connection has them. Prepared statements stay (they are the gateway's,
     * named and tracked per backend).
     */
    public static final List<String> SESSION_RESET_STATEMENTS = List.of("SET SESSION AUTHORIZATION DEFAULT", "RESET ALL",
            "CLOSE ALL", "UNLISTEN *", "SELECT pg_catalog.pg_advisory_unlock_all()", "DISCARD TEMP", "DISCARD SEQUENCES");

    /**
     * The reset as one multi-statement Query, for when it is awaited (a login). Each statement gets its own statement
     * timeout, so only the first runs under a setting the last client left; if any fails, the connection is not reused.
     */
    public static final String SESSION_RESET = String.join(";", SESSION_RESET_STATEMENTS);

    public static ByteBuf sessionReset(ByteBufAllocator alloc) {
        return query(alloc, SESSION_RESET);
    }

    /**
     * The reset for sending right in front of a client's messages, without waiting for it: one extended-protocol batch
     * of the reset's statements, then {@code more} (the client's settings), then the Parse of a marker statement, then
     * Sync. After an error the server skips everything up to the Sync, so the marker exists only if the whole batch ran;
     * {@link #resetCheck} then fails closed. One batch is one transaction, committed before the client's messages.
     * With {@code discardAll} the reset is the single statement {@code DISCARD ALL} (it also drops every prepared
     * statement, so only for a backend that holds none of the gateway's): PostgreSQL runs it as its own transaction,
     * committed at once, which it may be as the batch's first Execute.
     *
     * @param marker a name of the gateway's own ({@code [a-z0-9_]}), never a client's; closed first, so a stale marker
     *               cannot vouch for this reset
     */
    public static void pipelinedReset(ByteBuf out, String marker, boolean discardAll, java.util.function.Consumer<ByteBuf> more) {
        closeStatement(out, marker);
        for (String sql : discardAll ? List.of("DISCARD ALL") : SESSION_RESET_STATEMENTS) {
            parseUnnamed(out, sql);
            bind(out, List.of());
            execute(out);
        }
        more.accept(out);
        parse(out, marker, "SELECT 1");
        sync(out);
    }

    /**
     * The cheapest reset for sending right in front of a client's messages: {@code DISCARD ALL} as an extended-protocol
     * Parse/Bind/Execute with no Sync of its own, so the client's messages join its batch. PostgreSQL commits DISCARD ALL
     * at once (it cannot run inside a transaction, and as a batch's first Execute it need not), so nothing the client
     * then does can roll it back; and should it fail, the server skips everything up to the next Sync — the client's
     * messages never run on a session that was not reset. No check behind it is needed, nor a ReadyForQuery of its own.
     * Only for a reset with nothing to set after it: settings made in the client's batch would be undone if the
     * client's statement failed.
     */
    public static void pipelinedDiscardAll(ByteBuf out) {
        parseUnnamed(out, "DISCARD ALL");
        bind(out, List.of());
        execute(out);
    }

    /**
     * Goes between a {@link #pipelinedReset} and the client's messages: {@code Describe} of the marker fails (26000)
     * unless the reset ran whole, and the server then skips everything up to the next Sync — the client's messages
     * never run on a session that was not reset. {@code Close} then drops the marker. Neither executes anything, so the
     * client's first statement starts as it would on a fresh connection.
     */
    public static void resetCheck(ByteBuf out, String marker) {
        int at = Wire.begin(out, FrontendType.DESCRIBE);
        out.writeByte('S');
        Wire.writeCString(out, marker);
        Wire.finish(out, at);
        closeStatement(out, marker);
    }

    /**
     * Sets run-time parameters with bound values — {@code SELECT pg_catalog.set_config($1, $2, false)} once per
     * pair, then one Sync — so no client-supplied name or value is ever spliced into SQL text.
     */
    public static ByteBuf setConfig(ByteBufAllocator alloc, Map<String, String> settings) {
        return sessionSync(alloc, settings, List.of(), List.of());
    }

    /**
     * One round trip that makes a backend's session match a client's: Close of stale statements, settings to
     * set, settings to put back to the backend's defaults; then one Sync. Names and values are bound
     * parameters, never SQL text.
     */
    public static ByteBuf sessionSync(ByteBufAllocator alloc, Map<String, String> set, List<String> reset, List<String> closeStatements) {
        ByteBuf buf = alloc.buffer();
        appendSessionSync(buf, set, reset, closeStatements);
        sync(buf);
        return buf;
    }

    /** The messages of {@link #sessionSync} without its Sync, to join a batch of the gateway's. */
    public static void appendSessionSync(ByteBuf buf, Map<String, String> set, List<String> reset, List<String> closeStatements) {
        for (String name : closeStatements) closeStatement(buf, name);
        if (!set.isEmpty()) {
            parseUnnamed(buf, "SELECT pg_catalog.set_config($1, $2, false)");
            set.forEach((name, value) -> {
                bind(buf, List.of(name, value));
                execute(buf);
            });
        }
        if (!reset.isEmpty()) {
            parseUnnamed(buf, "SELECT pg_catalog.set_config(name, reset_val, false) FROM pg_catalog.pg_settings WHERE pg_catalog.lower(name) = pg_catalog.lower($1)");
            for (String name : reset) {
                bind(buf, List.of(name));
                execute(buf);
            }
        }
    }

    /** The gateway's own statement for {@link #restoreSettings}; closed in the same batch. */
    public static final String RESTORE_STATEMENT = "stonescriptdb_restore_settings";

    /**
     * After a client's RESET, puts the client's own defaults back: each setting that is at the backend's default (its
     * source is not a SET of this session, so the RESET ran) is set to {@code values}' value; one set by the session
     * is left alone (the RESET failed or was rolled back). Sent right after the client's statement, it can therefore run
     * whatever became of that statement. A named statement (closed at the end) keeps the client's unnamed statement
     * intact; one Sync at the end.
     */
    public static ByteBuf restoreSettings(ByteBufAllocator alloc, Map<String, String> values) {
        ByteBuf buf = alloc.buffer();
        parse(buf, RESTORE_STATEMENT, "SELECT pg_catalog.set_config(name, $2, false) FROM pg_catalog.pg_settings"
                + " WHERE pg_catalog.lower(name) = pg_catalog.lower($1) AND source <> 'session'");
        values.forEach((name, value) -> {
            bind(buf, RESTORE_STATEMENT, List.of(name, value));
            execute(buf);
        });
        closeStatement(buf, RESTORE_STATEMENT);
        sync(buf);
        return buf;
    }

    private static void closeStatement(ByteBuf buf, String name) {
        int at = Wire.begin(buf, FrontendType.CLOSE);
        buf.writeByte('S');
        Wire.writeCString(buf, name);
        Wire.finish(buf, at);
    }

    private static void parseUnnamed(ByteBuf buf, String sql) {
        parse(buf, "", sql);
    }

    private static void parse(ByteBuf buf, String statement, String sql) {
        int at = Wire.begin(buf, FrontendType.PARSE);
        Wire.writeCString(buf, statement);
        Wire.writeCString(buf, sql);
        buf.writeShort(0);
        Wire.finish(buf, at);
    }

    private static void bind(ByteBuf buf, List<String> textParams) {
        bind(buf, "", textParams);
    }

    private static void bind(ByteBuf buf, String statement, List<String> textParams) {
        int at = Wire.begin(buf, FrontendType.BIND);
        Wire.writeCString(buf, "");
        Wire.writeCString(buf, statement);
        buf.writeShort(0);
        buf.writeShort(textParams.size());
        for (String p : textParams) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            buf.writeInt(b.length);
            buf.writeBytes(b);
        }
        buf.writeShort(0);
        Wire.finish(buf, at);
    }

    private static void execute(ByteBuf buf) {
        int at = Wire.begin(buf, FrontendType.EXECUTE);
        Wire.writeCString(buf, "");
        buf.writeInt(0);
        Wire.finish(buf, at);
    }

    private static void sync(ByteBuf buf) {
        buf.writeByte(FrontendType.SYNC).writeInt(4);
    }

    public static ByteBuf terminate(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte(FrontendType.TERMINATE).writeInt(4);
    }
}
