package org.stonescriptdb.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Frontend messages built byte by byte, well formed or not: a body is whatever bytes a test gives, and the length word
 * is computed from it unless the test says otherwise. For the malformed-message table and the protocol fuzzer.
 */
public final class RawFrontend {

    private RawFrontend() {
    }

    /** A typed message with a correct length word. */
    public static byte[] message(char type, byte[]... bodyParts) {
        return WireClient.typed(type, concat(bodyParts));
    }

    /** A typed message whose length word says {@code declaredLength} whatever the body is. */
    public static byte[] messageWithLength(char type, int declaredLength, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(declaredLength).put(body).array();
    }

    public static byte[] cstring(String s) {
        return WireClient.cstring(s);
    }

    /** Text without its terminating NUL. */
    public static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] int16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    public static byte[] int32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    public static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (byte) values[i];
        return out;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    public static byte[] query(String sql) {
        return message('Q', cstring(sql));
    }

    /** Parse of {@code sql} as {@code name} with the given parameter type oids. */
    public static byte[] parse(String name, String sql, int... typeOids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstring(name));
        b.writeBytes(cstring(sql));
        b.writeBytes(int16(typeOids.length));
        for (int oid : typeOids) b.writeBytes(int32(oid));
        return message('P', b.toByteArray());
    }

    /** Bind with text parameters and no format codes. */
    public static byte[] bind(String portal, String statement, String... params) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstring(portal));
        b.writeBytes(cstring(statement));
        b.writeBytes(int16(0));
        b.writeBytes(int16(params.length));
        for (String p : params) {
            byte[] v = p.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(int32(v.length));
            b.writeBytes(v);
        }
        b.writeBytes(int16(0));
        return message('B', b.toByteArray());
    }

    public static byte[] execute(String portal, int maxRows) {
        return message('E', cstring(portal), int32(maxRows));
    }

    public static byte[] describe(char target, String name) {
        return message('D', new byte[] {(byte) target}, cstring(name));
    }

    public static byte[] close(char target, String name) {
        return message('C', new byte[] {(byte) target}, cstring(name));
    }

    public static byte[] sync() {
        return message('S');
    }

    public static byte[] flush() {
        return message('H');
    }

    /** A complete unnamed-statement batch: Parse, Bind, Execute, Sync. */
    public static byte[] extended(String sql) {
        return concat(parse("", sql), bind("", ""), execute("", 0), sync());
    }
}
