package org.stonescriptdb.gateway.process;

import io.netty.handler.codec.DecoderException;
import io.netty.util.internal.OutOfDirectMemoryError;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/** What halts the gateway: a VirtualMachineError however deeply it is wrapped; nothing else, whatever it looks like. */
class FatalErrorsTest {

    @Test
    void virtualMachineErrorsAreFatalHoweverTheyAreWrapped() {
        assertThat(FatalErrors.isFatal(new OutOfMemoryError("Java heap space"))).isTrue();
        assertThat(FatalErrors.isFatal(new StackOverflowError())).isTrue();
        assertThat(FatalErrors.isFatal(new InternalError("broken"))).isTrue();
        // Netty's own, thrown by Java code when its direct-memory count would pass the limit: -XX:+ExitOnOutOfMemoryError misses it.
        assertThat(VirtualMachineError.class).isAssignableFrom(OutOfDirectMemoryError.class);
        assertThat(FatalErrors.isFatal(new DecoderException(new OutOfMemoryError()))).isTrue();
        assertThat(FatalErrors.isFatal(new CompletionException(new ExecutionException(new OutOfMemoryError())))).isTrue();
    }

    @Test
    void otherFailuresAreNotFatal() {
        assertThat(FatalErrors.isFatal(null)).isFalse();
        assertThat(FatalErrors.isFatal(new IllegalStateException("bad state"))).isFalse();
        assertThat(FatalErrors.isFatal(new AssertionError("an Error, but not the JVM's"))).isFalse();
        assertThat(FatalErrors.isFatal(new LinkageError("neither"))).isFalse();
        assertThat(FatalErrors.isFatal(new RuntimeException("message mentions OutOfMemoryError"))).isFalse();
    }

    @Test
    void aCycleOfCausesEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(FatalErrors.isFatal(a)).isFalse();
    }

    @Test
    void aFatalErrorBelowALongChainIsStillSeen() {
        Throwable t = new OutOfMemoryError();
        for (int i = 0; i < 20; i++) t = new RuntimeException("wrapper " + i, t);
        assertThat(FatalErrors.isFatal(t)).isTrue();
    }
}
