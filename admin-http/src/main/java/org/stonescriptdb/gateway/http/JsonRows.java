package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.List;

/**
 * A result's rows as a JSON array, written while they are read (each row is dropped once written), into at most
 * {@code cap} bytes: the JSON is counted as it is produced, escapes included, and writing stops at the first byte
 * past the cap — the result is never held whole, neither as rows nor as text.
 *
 * @param json the array's bytes, as buffers over the chunks written
 * @param rows how many rows the array holds
 */
record JsonRows(List<ByteBuffer> json, long rows) {

    /** The rows did not fit in the cap. */
    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    private static final ObjectWriter ROW = Json.MAPPER.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    private static final byte[] EMPTY_ARRAY = {'[', ']'};

    /** No rows (a statement that returns none); {@code affected} is its row count. */
    static JsonRows none(long affected) {
        return new JsonRows(List.of(ByteBuffer.wrap(EMPTY_ARRAY)), affected);
    }

    static JsonRows write(ResultSet rs, long cap) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        CappedOutput out = new CappedOutput(cap);
        long rows = 0;
        try {
            JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out);
            json.writeStartArray();
            while (rs.next()) {
                ROW.writeValue(json, Rows.row(rs, meta));
                rows++;
            }
            json.writeEndArray();
            json.close();
        } catch (IOException e) {
            // Jackson may wrap the cap's refusal; the output itself knows whether that is what happened.
            if (out.full()) throw new TooLarge();
            throw new UncheckedIOException(e);
        }
        return new JsonRows(out.buffers(), rows);
    }
}
