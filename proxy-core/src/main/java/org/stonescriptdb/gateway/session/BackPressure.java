package org.stonescriptdb.gateway.session;

import io.netty.channel.Channel;

/**
 * Stops reading one side while the other cannot take more. The two sides may live on different event loops: the
 * other side's writability can change between the check and the pause, and its "writable again" event may already
 * have resumed reading — so after pausing, writability is looked at once more, and reading resumed if it returned.
 * Without that second look a large result could stall for good (a lost wake-up).
 */
final class BackPressure {

    private BackPressure() {
    }

    /** Pauses reading {@code reader} while {@code writer} is not writable. */
    static void pauseWhileFull(Channel reader, Channel writer) {
        if (writer.isWritable()) return;
        reader.config().setAutoRead(false);
        if (writer.isWritable()) reader.config().setAutoRead(true);
    }
}
