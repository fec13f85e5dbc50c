package org.stonescriptdb.gateway.pool;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway statements one backend holds: bounded, least recently used closed first, stale ones closed before reuse. */
class BackendStatementsTest {

    /** A backend holding {@code names}, prepared in that order (the first the least recently used). */
    private static BackendStatements prepared(String... names) {
        BackendStatements s = new BackendStatements();
        for (String name : names) s.prepared(name, 0);
        return s;
    }

    /** Beyond the bound the least recently used are taken to be closed; a use (a lookup) makes a statement recent. */
    @Test
    void beyondItsBoundTheLeastRecentlyUsedAreClosed() {
        BackendStatements s = prepared("a", "b", "c", "d");
        assertThat(s.generation("a")).isZero(); // used: now the most recent

        assertThat(s.takeToClose(2)).containsExactly("b", "c");
        assertThat(s.snapshot()).containsOnlyKeys("d", "a");
        assertThat(s.generation("b")).as("gone: prepared again at its next use").isEqualTo(-1);
        assertThat(s.takeToClose(2)).isEmpty();
    }

    /** A stale statement is forgotten at once and closed before anything else; closing it here takes it off the list. */
    @Test
    void staleStatementsAreClosedFirstAndOnce() {
        BackendStatements s = prepared("a", "b", "c");
        s.stale("c");
        s.stale("missing"); // not prepared here: nothing to close
        assertThat(s.mustClose("c")).isTrue();
        assertThat(s.generation("c")).isEqualTo(-1);

        assertThat(s.takeToClose(1)).containsExactly("c", "a");
        assertThat(s.mustClose("c")).isFalse();
        s.prepared("d", 1);
        s.stale("d");
        s.closed("d"); // closed in a client's batch (a Close ahead of its re-Parse)
        assertThat(s.takeToClose(512)).isEmpty();
    }

    /** Room made at once, as a Parse adds one more (a client that keeps its backend never reaches a hand-over). */
    @Test
    void evictionMakesRoomNowAndLeavesNothingForLater() {
        BackendStatements s = prepared("a", "b", "c");
        assertThat(s.evictBeyond(3)).isEmpty();
        assertThat(s.evictBeyond(1)).containsExactly("a", "b");
        assertThat(s.snapshot()).containsOnlyKeys("c");
        assertThat(s.takeToClose(1)).isEmpty();
    }

    /** A Close the server skipped leaves the statement there: it is closed before it is prepared again. */
    @Test
    void aSkippedCloseIsClosedLater() {
        BackendStatements s = prepared("a", "b");
        assertThat(s.evictBeyond(1)).containsExactly("a"); // its Close goes out, then the batch fails before it
        s.closeSkipped("a");
        s.closeSkipped("a");
        assertThat(s.mustClose("a")).isTrue();
        assertThat(s.takeToClose(512)).containsExactly("a");
    }
}
