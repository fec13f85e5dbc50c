package org.stonescriptdb.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.stonescriptdb.gateway.testing.RawFrontend.cstring;
import static org.stonescriptdb.gateway.testing.RawFrontend.int16;
import static org.stonescriptdb.gateway.testing.RawFrontend.int32;
import static org.stonescriptdb.gateway.testing.RawFrontend.message;

/** Backend messages built byte by byte, as a PostgreSQL server sends them: replies for unit tests without a server. */
public final class RawBackend {

    private RawBackend() {
    }

    public static byte[] parseComplete() {
        return message('1');
    }

    public static byte[] bindComplete() {
        return message('2');
    }

    public static byte[] closeComplete() {
        return message('3');
    }

    public static byte[] noData() {
        return message('n');
    }

    public static byte[] portalSuspended() {
        return message('s');
    }

    public static byte[] emptyQueryResponse() {
        return message('I');
    }

    /** ParameterDescription of parameters of the given type oids. */
    public static byte[] parameterDescription(int... typeOids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(int16(typeOids.length));
        for (int oid : typeOids) b.writeBytes(int32(oid));
        return message('t', b.toByteArray());
    }

    /** RowDescription of text columns (oid 25) with the given names. */
    public static byte[] rowDescription(String... columns) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(int16(columns.length));
        for (String c : columns) {
            b.writeBytes(cstring(c));
            b.writeBytes(int32(0)); // table oid
            b.writeBytes(int16(0)); // column number
            b.writeBytes(int32(25)); // type oid: text
            b.writeBytes(int16(-1)); // type length
            b.writeBytes(int32(-1)); // type modifier
            b.writeBytes(int16(0)); // format: text
        }
        return message('T', b.toByteArray());
    }

    /** DataRow of text values. */
    public static byte[] dataRow(String... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(int16(values.length));
        for (String v : values) {
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(int32(bytes.length));
            b.writeBytes(bytes);
        }
        return message('D', b.toByteArray());
    }

    public static byte[] commandComplete(String tag) {
        return message('C', cstring(tag));
    }

    /** ReadyForQuery with status 'I', 'T' or 'E'. */
    public static byte[] ready(char status) {
        return message('Z', new byte[] {(byte) status});
    }

    public static byte[] error(String code, String text) {
        return message('E', field('S', "ERROR"), field('V', "ERROR"), field('C', code), field('M', text), new byte[] {0});
    }

    public static byte[] notice(String text) {
        return message('N', field('S', "NOTICE"), field('V', "NOTICE"), field('C', "00000"), field('M', text), new byte[] {0});
    }

    public static byte[] parameterStatus(String name, String value) {
        return message('S', cstring(name), cstring(value));
    }

    /** CopyInResponse of a text COPY with {@code columns} columns. */
    public static byte[] copyInResponse(int columns) {
        return copyResponse('G', columns);
    }

    /** CopyOutResponse of a text COPY with {@code columns} columns. */
    public static byte[] copyOutResponse(int columns) {
        return copyResponse('H', columns);
    }

    private static byte[] copyResponse(char type, int columns) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0); // text
        b.writeBytes(int16(columns));
        for (int i = 0; i < columns; i++) b.writeBytes(int16(0));
        return message(type, b.toByteArray());
    }

    /** CopyData carrying {@code text} (either direction: the same message). */
    public static byte[] copyData(String text) {
        return message('d', text.getBytes(StandardCharsets.UTF_8));
    }

    /** CopyDone (either direction). */
    public static byte[] copyDone() {
        return message('c');
    }

    /** CopyFail from the client, with its reason. */
    public static byte[] copyFail(String reason) {
        return message('f', cstring(reason));
    }

    private static byte[] field(char type, String value) {
        return RawFrontend.concat(new byte[] {(byte) type}, cstring(value));
    }
}
