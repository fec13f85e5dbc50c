package org.stonescriptdb.gateway.testing;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class DeclaredLengthCapTest {

    @Test
    void aLengthReadFromTheMiddleOfABodyIsCutDownAndWellFramedBytesPassUntouched() {
        DeclaredLengthCap cap = new DeclaredLengthCap();
        byte[] query = RawFrontend.query("select 1");
        assertThat(cap.next(query)).isEqualTo(query);
        // A header whose length word is " 1xx": 0x20317878, half a gigabyte, which the gateway would accept.
        byte[] shifted = RawFrontend.messageWithLength('Q', 0x2031_7878, RawFrontend.text("abc"));
        byte[] sent = cap.next(shifted);
        assertThat(ByteBuffer.wrap(sent).getInt(1)).isLessThanOrEqualTo(FrontendMutator.MAX_DECLARED_LENGTH);
    }

    @Test
    void aHeaderSplitBetweenWritesIsHeldBackUntilItIsWhole() {
        DeclaredLengthCap cap = new DeclaredLengthCap();
        byte[] sync = RawFrontend.sync();
        assertThat(cap.next(new byte[] {sync[0], sync[1]})).isEmpty();
        assertThat(cap.next(new byte[] {sync[2], sync[3], sync[4]})).isEqualTo(sync);
    }

    @Test
    void afterAnImpossibleLengthNothingIsLookedAt() {
        DeclaredLengthCap cap = new DeclaredLengthCap();
        byte[] broken = RawFrontend.messageWithLength('S', 2, new byte[0]);
        byte[] after = RawFrontend.messageWithLength('Q', 0x2031_7878, new byte[0]);
        assertThat(cap.next(RawFrontend.concat(broken, after))).isEqualTo(RawFrontend.concat(broken, after));
    }
}
