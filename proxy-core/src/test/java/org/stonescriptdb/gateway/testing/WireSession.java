package org.stonescriptdb.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A logged-in {@link WireClient} plus builders for the extended-protocol and COPY messages, for the cases no
 * real client produces (pipelined Syncs, Flush without Sync, several message kinds in one TCP write).
 * Builders return bytes, so a test decides exactly which messages share one write.
 */
public final class WireSession implements AutoCloseable {

    private final WireClient wire;
    private final int processId;
    private final int secretKey;

    private WireSession(WireClient wire, int processId, int secretKey) {
        this.wire = wire;
        this.processId = processId;
        this.secretKey = secretKey;
    }

    /** Logs in as {@link GatewayHarness#CLIENT_USER} and reads up to the first ReadyForQuery. */
    public static WireSession login(int port, String database) throws IOException {
        return login(port, database, Map.of());
    }

    /** Logs in with extra startup parameters (application_name, options, …). */
    public static WireSession login(int port, String database, Map<String, String> extra) throws IOException {
        WireClient w = new WireClient(port);
        try {
            Map<String, String> params = new java.util.LinkedHashMap<>();
            params.put("user", GatewayHarness.CLIENT_USER);
            params.put("database", database);
            params.putAll(extra);
            w.send(WireClient.startupPacket(WireClient.PROTOCOL_3_0, params));
            int pid = 0;
            int secret = 0;
            for (WireClient.Message m : w.readUntil('Z')) {
                if (m.type() == 'E') throw new IOException("login refused: " + m);
                if (m.type() == 'K') {
                    pid = m.int32(0);
                    secret = m.int32(4);
                }
            }
            return new WireSession(w, pid, secret);
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    public WireClient wire() {
        return wire;
    }

    public int processId() {
        return processId;
    }

    public int secretKey() {
        return secretKey;
    }

    /** Sends all the given messages in one write (one TCP packet for small ones). */
    public void send(byte[]... messages) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] m : messages) all.writeBytes(m);
        wire.send(all.toByteArray());
    }

    public WireClient.Message read() throws IOException {
        return wire.read();
    }

    public List<WireClient.Message> readUntilReady() throws IOException {
        return wire.readUntil('Z');
    }

    /** Simple query; returns every message up to ReadyForQuery. */
    public List<WireClient.Message> query(String sql) throws IOException {
        send(WireClient.query(sql));
        return readUntilReady();
    }

    /** A CancelRequest for the session key {@code processId}/{@code secretKey}, on a fresh connection to {@code port}. */
    public static void cancel(int port, int processId, int secretKey) throws IOException {
        try (WireClient c = new WireClient(port)) {
            c.send(WireClient.untyped(WireClient.CANCEL_REQUEST, ByteBuffer.allocate(8).putInt(processId).putInt(secretKey).array()));
            c.closedByPeer();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            wire.send(WireClient.terminate());
        } catch (IOException ignored) {
            // already gone
        }
        wire.close();
    }

    // ---- message builders ----

    public static byte[] parse(String name, String sql, int... typeOids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(WireClient.cstring(name));
        b.writeBytes(WireClient.cstring(sql));
        b.writeBytes(short16(typeOids.length));
        for (int oid : typeOids) b.writeBytes(ByteBuffer.allocate(4).putInt(oid).array());
        return WireClient.typed('P', b.toByteArray());
    }

    /** Bind with text parameters (null for SQL NULL) and text results. */
    public static byte[] bind(String portal, String statement, String... params) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(WireClient.cstring(portal));
        b.writeBytes(WireClient.cstring(statement));
        b.writeBytes(short16(0));
        b.writeBytes(short16(params.length));
        for (String p : params) {
            if (p == null) {
                b.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            } else {
                byte[] v = p.getBytes(StandardCharsets.UTF_8);
                b.writeBytes(ByteBuffer.allocate(4).putInt(v.length).array());
                b.writeBytes(v);
            }
        }
        b.writeBytes(short16(0));
        return WireClient.typed('B', b.toByteArray());
    }

    public static byte[] describe(char target, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(target);
        b.writeBytes(WireClient.cstring(name));
        return WireClient.typed('D', b.toByteArray());
    }

    public static byte[] execute(String portal, int maxRows) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(WireClient.cstring(portal));
        b.writeBytes(ByteBuffer.allocate(4).putInt(maxRows).array());
        return WireClient.typed('E', b.toByteArray());
    }

    public static byte[] close(char target, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(target);
        b.writeBytes(WireClient.cstring(name));
        return WireClient.typed('C', b.toByteArray());
    }

    public static byte[] sync() {
        return WireClient.typed('S', new byte[0]);
    }

    public static byte[] flush() {
        return WireClient.typed('H', new byte[0]);
    }

    public static byte[] copyData(String text) {
        return WireClient.typed('d', text.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] copyDone() {
        return WireClient.typed('c', new byte[0]);
    }

    public static byte[] copyFail(String reason) {
        return WireClient.typed('f', WireClient.cstring(reason));
    }

    // ---- reading replies ----

    /** The message types in order, e.g. "12DCZ". */
    public static String types(List<WireClient.Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (WireClient.Message m : messages) sb.append(m.type());
        return sb.toString();
    }

    /** The first column of every DataRow, as text (null for SQL NULL). */
    public static List<String> firstColumn(List<WireClient.Message> messages) {
        List<String> out = new ArrayList<>();
        for (WireClient.Message m : messages) {
            if (m.type() != 'D') continue;
            ByteBuffer b = ByteBuffer.wrap(m.body());
            b.getShort();
            int len = b.getInt();
            out.add(len < 0 ? null : new String(m.body(), b.position(), len, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The transaction status byte of a ReadyForQuery. */
    public static char status(WireClient.Message readyForQuery) {
        if (readyForQuery.type() != 'Z') throw new IllegalArgumentException("not a ReadyForQuery: " + readyForQuery);
        return (char) readyForQuery.body()[0];
    }

    /** Column names of a RowDescription. */
    public static List<String> columnNames(WireClient.Message rowDescription) {
        ByteBuffer b = ByteBuffer.wrap(rowDescription.body());
        int n = b.getShort();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int start = b.position();
            int end = start;
            while (rowDescription.body()[end] != 0) end++;
            out.add(new String(rowDescription.body(), start, end - start, StandardCharsets.UTF_8));
            b.position(end + 1 + 18);
        }
        return out;
    }

    /** Parameter type oids of a ParameterDescription. */
    public static List<Integer> parameterTypes(WireClient.Message parameterDescription) {
        ByteBuffer b = ByteBuffer.wrap(parameterDescription.body());
        int n = b.getShort();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(b.getInt());
        return out;
    }

    private static byte[] short16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }
}
