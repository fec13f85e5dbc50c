package org.stonescriptdb.gateway.http;

import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Counts the request body as it is read and fails the read once it passes the limit. Undertow's own
 * max-entity-size closes the connection on a chunked body without letting us answer; failing the read instead
 * lets the endpoint answer 413 in the JSON shape.
 */
final class LimitedSourceConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {

    /** The body passed the limit; the endpoint answers 413. */
    static final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("request body larger than " + limit + " bytes", null);
        }
    }

    private final long limit;
    private long read;
    /** Fails once; later reads (discarding the rest before the 413) pass. */
    private boolean tripped;

    LimitedSourceConduit(StreamSourceConduit next, long limit) {
        super(next);
        this.limit = limit;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return counted(next.read(dst));
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        return counted(next.read(dsts, offs, len));
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return Conduits.transfer(this, count, throughBuffer, target);
    }

    private <N extends Number> N counted(N n) throws IOException {
        if (n.longValue() > 0) {
            read += n.longValue();
            if (read > limit && !tripped) {
                tripped = true;
                throw new TooLarge(limit);
            }
        }
        return n;
    }
}
