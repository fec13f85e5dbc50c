package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease's transitions: the ones the flow makes, and none that would skip a step. */
class LeaseTest {

    @Test
    void aBackendIsAskedForBeforeItServesAndGivenBackBeforeTheNextIsAskedFor() {
        assertThat(Lease.IDLE.mayMoveTo(Lease.ATTACHED)).isFalse();
        assertThat(Lease.IDLE.mayMoveTo(Lease.PREPARING)).isFalse();
        assertThat(Lease.IDLE.mayMoveTo(Lease.LINGERING)).isFalse();
        assertThat(Lease.ACQUIRING.mayMoveTo(Lease.LINGERING)).isFalse();
        assertThat(Lease.PREPARING.mayMoveTo(Lease.LINGERING)).isFalse();
        assertThat(Lease.LINGERING.mayMoveTo(Lease.ACQUIRING)).isFalse();
        assertThat(Lease.ATTACHED.mayMoveTo(Lease.ACQUIRING)).isFalse();
    }

    @Test
    void everyStateButClosedCanEndWithTheClient() {
        for (Lease l : Lease.values()) {
            assertThat(l.mayMoveTo(Lease.CLOSED)).as(l.name()).isEqualTo(l != Lease.CLOSED);
            assertThat(Lease.CLOSED.mayMoveTo(l)).as(l.name()).isFalse();
        }
    }
}
