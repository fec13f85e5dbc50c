package org.stonescriptdb.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.testing.RawFrontend.bytes;
import static org.stonescriptdb.gateway.testing.RawFrontend.cstring;
import static org.stonescriptdb.gateway.testing.RawFrontend.int16;
import static org.stonescriptdb.gateway.testing.RawFrontend.int32;
import static org.stonescriptdb.gateway.testing.RawFrontend.message;
import static org.stonescriptdb.gateway.testing.RawFrontend.text;

/**
 * The format checks on their own; {@code MalformedFrontendMessagesTest} holds them against PostgreSQL itself.
 */
class FrontendMessageFormatTest {

    private static String problem(byte[] message) {
        ByteBuf buf = Unpooled.wrappedBuffer(message);
        try {
            return FrontendMessageFormat.problem(buf.getByte(0), buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void wellFormedMessagesHaveNoProblem() {
        assertThat(problem(message('Q', cstring("select 1")))).isNull();
        assertThat(problem(message('P', cstring("s1"), cstring("select $1"), int16(1), int32(23)))).isNull();
        assertThat(problem(message('B', cstring(""), cstring("s1"), bytes(0xff)))).as("only the names of a Bind").isNull();
        assertThat(problem(message('D', text("S"), cstring("s1")))).isNull();
        assertThat(problem(message('C', text("P"), cstring("")))).isNull();
        assertThat(problem(message('S'))).isNull();
        assertThat(problem(message('H'))).isNull();
        assertThat(problem(message('E', text("no NUL")))).as("not the gateway's to judge").isNull();
    }

    @Test
    void theServersWordsForEachProblem() {
        assertThat(problem(message('Q', text("select 1")))).isEqualTo("invalid string in message");
        assertThat(problem(message('Q'))).isEqualTo("invalid string in message");
        assertThat(problem(message('Q', cstring("select 1"), text("x")))).isEqualTo("invalid message format");
        assertThat(problem(message('P', cstring(""), cstring("select 1")))).isEqualTo("insufficient data left in message");
        assertThat(problem(message('P', cstring(""), cstring("select 1"), int16(-1)))).as("the count is unsigned")
                .isEqualTo("insufficient data left in message");
        assertThat(problem(message('P', cstring(""), cstring("select 1"), int16(0), text("x")))).isEqualTo("invalid message format");
        assertThat(problem(message('B', cstring(""), text("s1")))).isEqualTo("invalid string in message");
        assertThat(problem(message('D'))).isEqualTo("no data left in message");
        assertThat(problem(message('D', text("S")))).isEqualTo("invalid string in message");
        assertThat(problem(message('D', text("X"), cstring("")))).isEqualTo("invalid DESCRIBE message subtype 88");
        assertThat(problem(message('D', bytes(0xff, 0)))).isEqualTo("invalid DESCRIBE message subtype 255");
        assertThat(problem(message('C', text("X"), cstring(""), text("z")))).as("the format before the subtype")
                .isEqualTo("invalid message format");
        assertThat(problem(message('S', text("x")))).isEqualTo("invalid message format");
    }

    @Test
    void typesAndLimits() {
        assertThat(FrontendMessageFormat.isKnownType((byte) 'Q')).isTrue();
        assertThat(FrontendMessageFormat.isKnownType((byte) 'p')).as("a PasswordMessage after login").isFalse();
        assertThat(FrontendMessageFormat.isKnownType((byte) 0)).as("a second StartupMessage").isFalse();
        assertThat(FrontendMessageFormat.unknownTypeMessage((byte) 0xff)).isEqualTo("invalid frontend message type 255");
        assertThat(FrontendMessageFormat.exceedsServerLimit((byte) 'S', 10_000)).isFalse();
        assertThat(FrontendMessageFormat.exceedsServerLimit((byte) 'S', 10_001)).isTrue();
        assertThat(FrontendMessageFormat.exceedsServerLimit((byte) 'Q', 1 << 20)).as("a long query is fine").isFalse();
    }
}
