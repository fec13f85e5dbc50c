package org.stonescriptdb.gateway.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.stonescriptdb.gateway.testing.RawFrontend.bind;
import static org.stonescriptdb.gateway.testing.RawFrontend.close;
import static org.stonescriptdb.gateway.testing.RawFrontend.concat;
import static org.stonescriptdb.gateway.testing.RawFrontend.cstring;
import static org.stonescriptdb.gateway.testing.RawFrontend.describe;
import static org.stonescriptdb.gateway.testing.RawFrontend.execute;
import static org.stonescriptdb.gateway.testing.RawFrontend.extended;
import static org.stonescriptdb.gateway.testing.RawFrontend.flush;
import static org.stonescriptdb.gateway.testing.RawFrontend.int16;
import static org.stonescriptdb.gateway.testing.RawFrontend.int32;
import static org.stonescriptdb.gateway.testing.RawFrontend.message;
import static org.stonescriptdb.gateway.testing.RawFrontend.messageWithLength;
import static org.stonescriptdb.gateway.testing.RawFrontend.parse;
import static org.stonescriptdb.gateway.testing.RawFrontend.query;
import static org.stonescriptdb.gateway.testing.RawFrontend.sync;

/**
 * Frontend traffic for the protocol fuzzer, from a seeded {@link Random}: valid message sequences, the same with
 * bytes flipped or strings cut, random types, valid messages out of place, edge lengths. Every length it declares stays
 * at most {@link #MAX_DECLARED_LENGTH}, so the fuzzer does not depend on how the gateway bounds what it buffers; a
 * client also runs what it sends through {@link DeclaredLengthCap}, for the lengths the gateway reads where a mutation
 * shifted the framing.
 */
public final class FrontendMutator {

    public static final int MAX_DECLARED_LENGTH = 4 << 20;

    /** What one burst sends: its pieces, written one after the other (a pause between them when there are several). */
    public record Burst(String description, List<byte[]> pieces) {
        public int size() {
            return pieces.stream().mapToInt(p -> p.length).sum();
        }
    }

    private final Random random;

    public FrontendMutator(Random random) {
        this.random = random;
    }

    public Burst next() {
        int roll = random.nextInt(100);
        Burst b;
        if (roll < 22) b = valid();
        else if (roll < 42) b = flipped();
        else if (roll < 57) b = truncatedStrings();
        else if (roll < 67) b = randomType();
        else if (roll < 82) b = outOfPlace();
        else b = edgeLength();
        return random.nextInt(8) == 0 ? split(b) : b;
    }

    // ---- the kinds of burst ----

    private Burst valid() {
        int pick = random.nextInt(VALID.size());
        return new Burst("valid " + pick, List.of(VALID.get(pick)));
    }

    /** A valid sequence with a few bytes changed; a changed length word gets an edge value, never a huge one. */
    private Burst flipped() {
        int pick = random.nextInt(VALID.size());
        byte[] original = VALID.get(pick);
        byte[] bytes = original.clone();
        int flips = 1 + random.nextInt(3);
        StringBuilder what = new StringBuilder("valid " + pick + " with bytes changed at");
        for (int i = 0; i < flips; i++) {
            int at = random.nextInt(bytes.length);
            int[] header = headerAround(original, at); // the framing as built, whatever earlier flips did to it
            if (header != null && at > header[0] && at <= header[0] + 4) {
                int length = edgeLength(header[1]);
                bytes[header[0] + 1] = (byte) (length >>> 24);
                bytes[header[0] + 2] = (byte) (length >>> 16);
                bytes[header[0] + 3] = (byte) (length >>> 8);
                bytes[header[0] + 4] = (byte) length;
                what.append(' ').append(at).append("(length ").append(length).append(')');
            } else {
                bytes[at] = (byte) random.nextInt(256);
                what.append(' ').append(at);
            }
        }
        return new Burst(what.toString(), List.of(bytes));
    }

    /** Messages of a valid sequence with their NULs replaced, or their body cut short (length words kept right). */
    private Burst truncatedStrings() {
        int pick = random.nextInt(VALID.size());
        List<byte[]> messages = messagesOf(VALID.get(pick));
        int victim = random.nextInt(messages.size());
        byte[] m = messages.get(victim);
        byte[] body = Arrays.copyOfRange(m, 5, m.length);
        String how;
        if (body.length > 0 && random.nextBoolean()) {
            for (int i = 0; i < body.length; i++) if (body[i] == 0 && random.nextInt(3) > 0) body[i] = 'x';
            how = "NULs replaced";
        } else {
            body = Arrays.copyOf(body, body.length == 0 ? 0 : random.nextInt(body.length));
            how = "body cut to " + body.length;
        }
        messages.set(victim, message((char) m[0], body));
        return new Burst("valid " + pick + ", message " + victim + " '" + (char) m[0] + "' " + how, List.of(concat(messages.toArray(byte[][]::new))));
    }

    private Burst randomType() {
        byte[] body = new byte[random.nextInt(64)];
        random.nextBytes(body);
        int type = random.nextInt(256);
        byte[] m = message((char) type, body);
        m[0] = (byte) type;
        return new Burst("type " + type + " with " + body.length + " random bytes", List.of(random.nextBoolean() ? m : concat(m, sync())));
    }

    private Burst outOfPlace() {
        int pick = random.nextInt(OUT_OF_PLACE.size());
        return new Burst("out of place " + pick, List.of(OUT_OF_PLACE.get(pick)));
    }

    /** A header with an edge length and a body shorter than, equal to or longer than it says (within the cap). */
    private Burst edgeLength() {
        char type = "QPBDECSHFdcfX".charAt(random.nextInt(13));
        int length = edgeLength(8);
        int sent = Math.max(0, Math.min(length - 4 + random.nextInt(9) - 4, 64 * 1024));
        byte[] body = new byte[sent];
        random.nextBytes(body);
        return new Burst("'" + type + "' declaring " + length + ", " + sent + " body bytes", List.of(messageWithLength(type, length, body)));
    }

    /** The same bytes written in a few pieces, so messages and headers arrive split. */
    private Burst split(Burst b) {
        byte[] all = concat(b.pieces().toArray(byte[][]::new));
        List<byte[]> pieces = new ArrayList<>();
        int at = 0;
        while (at < all.length) {
            int n = Math.min(all.length - at, 1 + random.nextInt(Math.max(1, Math.min(all.length, 12))));
            pieces.add(Arrays.copyOfRange(all, at, at + n));
            at += n;
        }
        return new Burst(b.description() + ", in " + pieces.size() + " pieces", pieces);
    }

    private int edgeLength(int actual) {
        int[] edges = {0, 1, 3, 4, 5, actual - 1, actual + 1, actual + 100, 10_004, 10_005, 65_536, 1 << 20, MAX_DECLARED_LENGTH};
        return edges[random.nextInt(edges.length)];
    }

    // ---- reading back what the sequences are made of ----

    /** The start and declared length of the message whose header or body holds {@code at}, or null. */
    private static int[] headerAround(byte[] bytes, int at) {
        int i = 0;
        while (i + 5 <= bytes.length) {
            int length = ((bytes[i + 1] & 0xFF) << 24) | ((bytes[i + 2] & 0xFF) << 16) | ((bytes[i + 3] & 0xFF) << 8) | (bytes[i + 4] & 0xFF);
            if (length < 4) return null;
            if (at < i + 1 + length) return new int[] {i, length};
            i += 1 + length;
        }
        return null;
    }

    /** The messages of a well-formed sequence, each a copy. */
    private static List<byte[]> messagesOf(byte[] sequence) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i < sequence.length) {
            int length = ((sequence[i + 1] & 0xFF) << 24) | ((sequence[i + 2] & 0xFF) << 16) | ((sequence[i + 3] & 0xFF) << 8) | (sequence[i + 4] & 0xFF);
            out.add(Arrays.copyOfRange(sequence, i, i + 1 + length));
            i += 1 + length;
        }
        return out;
    }

    // ---- the material ----

    private static final List<byte[]> VALID = List.of(
            query("select 1"),
            query("select 1/0"),
            query("begin; select 2; commit"),
            query("begin"),
            query("rollback"),
            query("select pg_sleep(0.01)"),
            query(""),
            query("select generate_series(1, 50)"),
            query("set statement_timeout = 1000"),
            query("copy (select 1) to stdout"),
            extended("select 1"),
            extended("select 1/0"),
            concat(parse("", "select $1::int + 1", 23), bind("", "", "41"), describe('P', ""), execute("", 0), sync()),
            concat(parse("fz1", "select $1::text", 25), sync(), bind("", "fz1", "hello"), execute("", 0), sync(), close('S', "fz1"), sync()),
            concat(parse("fz2", "select 2"), describe('S', "fz2"), flush()),
            concat(parse("", "select 3"), bind("p1", ""), execute("p1", 1), execute("p1", 0), close('P', "p1"), sync()),
            concat(describe('S', "fz1"), sync()),
            concat(bind("", "fz2"), execute("", 0), sync()),
            concat(close('S', "nosuch"), sync()),
            concat(parse("", "select 1"), bind("", ""), execute("", 0)),
            message('F', int32(1598), int16(0), int16(0), int16(0)));

    private static final List<byte[]> OUT_OF_PLACE = List.of(
            WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", "app", "database", "x")),
            WireClient.untyped(WireClient.SSL_REQUEST, new byte[0]),
            message('p', cstring("secret")),
            message('d', cstring("1\t2")),
            message('c'),
            message('f', cstring("no copy here")),
            concat(execute("nosuch", 0), sync()),
            concat(bind("", "nosuch"), execute("", 0), sync()),
            sync(),
            flush(),
            concat(sync(), sync(), sync()),
            concat(describe('P', "nosuch"), sync()),
            concat(parse("", "select 1"), query("select 'inside a batch'"), sync()),
            concat(query("copy (select 1) to stdout"), message('d', cstring("x")), message('c')),
            message('X'));
}
