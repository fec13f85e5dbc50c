package org.stonescriptdb.gateway.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CappedOutputTest {

    @Test
    void holdsExactlyTheCapAndRefusesTheByteAfterIt() throws Exception {
        CappedOutput out = new CappedOutput(100_000);
        byte[] block = new byte[9_999];
        Arrays.fill(block, (byte) 'a');
        for (int i = 0; i < 10; i++) out.write(block);
        out.write(new byte[10]);
        assertThat(out.size()).isEqualTo(100_000);
        assertThat(out.full()).isFalse();
        assertThatThrownBy(() -> out.write('x')).isInstanceOf(CappedOutput.Full.class).hasMessageContaining("100000");
        assertThat(out.full()).isTrue();
        assertThat(out.size()).as("the refused write added nothing").isEqualTo(100_000);
    }

    @Test
    void aWriteThatWouldPassTheCapIsRefusedWhole() throws Exception {
        CappedOutput out = new CappedOutput(10);
        out.write(new byte[6]);
        assertThatThrownBy(() -> out.write(new byte[5])).isInstanceOf(CappedOutput.Full.class);
        assertThat(out.size()).isEqualTo(6);
    }

    @Test
    void theBuffersGiveBackWhatWasWrittenInOrderWithoutSpareBytes() throws Exception {
        CappedOutput out = new CappedOutput(5_000_000);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 3_000; i++) {
            byte[] piece = ("row " + i + ";").repeat(i % 7 + 1).getBytes();
            out.write(piece);
            expected.write(piece);
        }
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        long allocated = 0;
        for (ByteBuffer b : out.buffers()) {
            allocated += b.array().length;
            actual.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        }
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
        // Chunks grow, so little is allocated beyond what was written (at most the last chunk's spare room).
        assertThat(allocated).isLessThan(2L * out.size() + 8 * 1024);
    }
}
