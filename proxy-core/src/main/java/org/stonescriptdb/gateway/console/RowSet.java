package org.stonescriptdb.gateway.console;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.Wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What a console command answers: columns and rows (none for an action), and the command tag. */
record RowSet(List<String> columns, List<List<Object>> rows, String tag) {

    private static final int TEXT_OID = 25;
    private static final int INT8_OID = 20;

    static RowSet of(String tag, String... columns) {
        return new RowSet(List.of(columns), new ArrayList<>(), tag);
    }

    /** An action's answer: no rows, just its tag. */
    static RowSet done(String tag) {
        return new RowSet(List.of(), List.of(), tag);
    }

    RowSet add(Object... values) {
        if (values.length != columns.size()) throw new IllegalArgumentException("row of " + values.length + " for " + columns.size() + " columns");
        rows.add(Arrays.asList(values));
        return this;
    }

    /** RowDescription and DataRows (numbers as int8, everything else as text), then CommandComplete. */
    ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(256 + rows.size() * 64);
        if (!columns.isEmpty()) {
            int at = Wire.begin(out, BackendType.ROW_DESCRIPTION);
            out.writeShort(columns.size());
            for (int i = 0; i < columns.size(); i++) {
                boolean number = !rows.isEmpty() && rows.getFirst().get(i) instanceof Number;
                Wire.writeCString(out, columns.get(i));
                out.writeInt(0).writeShort(0);
                out.writeInt(number ? INT8_OID : TEXT_OID).writeShort(number ? 8 : -1).writeInt(-1).writeShort(0);
            }
            Wire.finish(out, at);
            for (List<Object> row : rows) {
                at = Wire.begin(out, BackendType.DATA_ROW);
                out.writeShort(row.size());
                for (Object value : row) {
                    if (value == null) {
                        out.writeInt(-1);
                    } else {
                        byte[] text = value.toString().getBytes(StandardCharsets.UTF_8);
                        out.writeInt(text.length).writeBytes(text);
                    }
                }
                Wire.finish(out, at);
            }
        }
        int at = Wire.begin(out, BackendType.COMMAND_COMPLETE);
        Wire.writeCString(out, tag);
        Wire.finish(out, at);
        return out;
    }
}
