package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.TransactionStatus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code BEGIN} without a backend. A client between transactions that sends a transaction start alone — as a simple
 * Query (asyncpg, node-postgres, psql) or as one extended-protocol batch, Parse/Bind/[Describe]/Execute/Sync (psycopg,
 * libpq's PQexecParams) — is answered at once — CommandComplete {@code BEGIN}, ReadyForQuery {@code T}
 * — and the statement goes to the backend in front of the transaction's first real statement, awaited with the
 * hand-over, so the client holds no backend while it thinks between the two and a wait for a busy pool surfaces inside
 * its transaction: the client is then in a failed transaction as the server would leave it (25P02 for what it sends next,
 * ReadyForQuery {@code E}), which its ROLLBACK ends. A transaction that ends before any statement (BEGIN; COMMIT) never
 * reaches a backend, whichever protocol its COMMIT or ROLLBACK comes in. {@code now()} is the time of the first
 * statement, not of the BEGIN.
 *
 * <p>Only the plain forms are deferred ({@link #isTransactionStart}); anything else — BEGIN with other statements in the
 * same Query or batch, with parameters, a named statement or portal — goes to a backend as before: an extended batch
 * that turns out otherwise is handed back ({@link #takeCollected}) and goes to a backend as sent. Used under the flow's
 * lock.
 */
final class LazyBegin {

    private enum State { NONE, DEFERRED, FAILED }

    /** One transaction mode: ISOLATION LEVEL …, READ ONLY|WRITE, [NOT] DEFERRABLE. */
    private static final String MODE = "(?:isolation\\s+level\\s+(?:serializable|repeatable\\s+read|read\\s+committed|read\\s+uncommitted)"
            + "|read\\s+only|read\\s+write|(?:not\\s+)?deferrable)";
    private static final Pattern START = Pattern.compile("\\s*(?:begin(?:\\s+(?:work|transaction))?|start\\s+transaction)"
            + "(?:\\s+" + MODE + "(?:\\s*,?\\s*" + MODE + ")*)?\\s*;?\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern END = Pattern.compile("\\s*(commit|end|rollback|abort)(?:\\s+(?:work|transaction))?\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE);
    /** Longer than any plain transaction start: a Query over it is not read for one. */
    private static final int LONGEST = 200;

    private State state = State.NONE;
    /** The client's own text of the deferred statement, as it will reach the backend. */
    private String sql;
    /** An extended batch of one transaction start or end, collected up to its Sync to be answered here. */
    private final List<ByteBuf> collected = new ArrayList<>();
    /** Keeps a named statement the gateway answered the Parse of; false if the client may not have it (limits, name in use). */
    private final java.util.function.Predicate<ByteBuf> namedStatements;

    /** @param namedStatements keeps a named statement whose Parse is answered here, as the server would have prepared it */
    LazyBegin(java.util.function.Predicate<ByteBuf> namedStatements) {
        this.namedStatements = namedStatements;
    }

    /** For tests that prepare no named statement. */
    LazyBegin() {
        this(parse -> false);
    }

    /** The text of the statement {@link #collected} parses. */
    private String collectedSql;

    /** A plain transaction start, alone: BEGIN [WORK|TRANSACTION] or START TRANSACTION, with transaction modes. */
    static boolean isTransactionStart(String sql) {
        return START.matcher(sql).matches();
    }

    /** The statement deferred to go in front of the first one that needs a backend; null when none waits. */
    String deferred() {
        return state == State.DEFERRED ? sql : null;
    }

    /** What a ReadyForQuery the gateway answers now says of the client's transaction. */
    TransactionStatus status() {
        return switch (state) {
            case NONE -> TransactionStatus.IDLE;
            case DEFERRED -> TransactionStatus.IN_TRANSACTION;
            case FAILED -> TransactionStatus.FAILED;
        };
    }

    /** The deferred statement ran on the backend: the transaction is the server's from now on. */
    void ran() {
        state = State.NONE;
        sql = null;
    }

    /** The first statement could not reach a backend (or the deferred one failed there): the transaction has failed. */
    void failed() {
        if (state == State.DEFERRED) state = State.FAILED;
        sql = null;
    }

    /** Whether the gateway answers the client's messages itself for now (a Sync, say, must say T or E, not I). */
    boolean active() {
        return state != State.NONE;
    }

    /**
     * A message of a client that holds no backend: answered here if it starts a transaction (deferred), ends one that
     * never reached a backend, or comes in one that failed before reaching it (as the server would answer). Whatever
     * else the client sends while a BEGIN is deferred needs a backend: false, and the caller acquires one.
     */
    boolean answers(byte type, ByteBuf message, Channel client) {
        if (!collected.isEmpty()) {
            if (collect(type, message, client)) return true;
            if (state != State.FAILED) return false; // the caller takes the batch back, to a backend
            releaseCollected();
            return answerInFailedTransaction(type, message, client);
        }
        // Between transactions this sees the first message of every one: only what may start with BEGIN or START is
        // decoded and matched; a pgbench SELECT costs a look at one byte.
        if (type == FrontendType.PARSE && message.readableBytes() <= LONGEST) {
            // A named statement is answered here only as a transaction end inside a deferred or failed transaction: pgjdbc
            // prepares its ROLLBACK and COMMIT so. The statement is then kept for the client's later Binds, as if the
            // server had prepared it.
            boolean unnamed = message.readableBytes() > 5 && message.getByte(message.readerIndex() + 5) == 0;
            if (unnamed ? mayBeAnswerable(message, 6) : state != State.NONE) {
                String text = parseText(message);
                if (text != null && answerable(text)) {
                    collectedSql = text;
                    collected.add(message);
                    return true;
                }
            }
        }
        if (type == FrontendType.QUERY && message.readableBytes() <= LONGEST && mayBeAnswerable(message, 5)) {
            String text = queryText(message);
            if (text != null && answerable(text)) {
                message.release();
                answerStatement(client, text);
                return true;
            }
        }
        return state == State.FAILED && answerInFailedTransaction(type, message, client);
    }

    /**
     * Whether the SQL at {@code offset} in the message may be {@link #answerable}: between transactions its first two
     * letters (after blanks) must begin BEGIN or START — not SELECT, the first statement of most transactions. Once a
     * BEGIN is deferred or has failed, any SQL is looked at.
     */
    private boolean mayBeAnswerable(ByteBuf message, int offset) {
        if (state != State.NONE) return true;
        int end = message.readerIndex() + message.readableBytes();
        for (int i = message.readerIndex() + offset; i < end - 1; i++) {
            byte b = message.getByte(i);
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
            int first = b | 0x20, second = message.getByte(i + 1) | 0x20; // letters in lower case
            return first == 'b' && second == 'e' || first == 's' && second == 't';
        }
        return false;
    }

    /** A transaction start between transactions, or an end of the transaction the gateway began. */
    private boolean answerable(String text) {
        return state == State.NONE ? isTransactionStart(text) : END.matcher(text).matches();
    }

    /**
     * The next message of an extended batch that began with the Parse of a transaction start or end: kept while the
     * batch is that statement alone — Bind of the unnamed portal without parameters, maybe Describe of it, Execute, Sync
     * — and answered at its Sync as the server would. Anything else: false, and the caller takes the batch back.
     */
    private boolean collect(byte type, ByteBuf message, Channel client) {
        byte last = collected.getLast().getByte(collected.getLast().readerIndex());
        boolean fits = switch (type) {
            case FrontendType.BIND -> last == FrontendType.PARSE && isPlainBind(message, collected.getFirst());
            case FrontendType.DESCRIBE -> last == FrontendType.BIND && message.readableBytes() == 7
                    && message.getByte(message.readerIndex() + 5) == 'P' && message.getByte(message.readerIndex() + 6) == 0;
            case FrontendType.EXECUTE -> (last == FrontendType.BIND || last == FrontendType.DESCRIBE)
                    && message.readableBytes() >= 10 && message.getByte(message.readerIndex() + 5) == 0;
            case FrontendType.SYNC -> last == FrontendType.EXECUTE;
            default -> false;
        };
        if (!fits) return false;
        if (type != FrontendType.SYNC) {
            collected.add(message);
            return true;
        }
        ByteBuf parse = collected.getFirst();
        boolean named = parse.getByte(parse.readerIndex() + 5) != 0;
        if (named && !namedStatements.test(parse)) return false; // the server will say why
        message.release();
        boolean described = false;
        for (ByteBuf m : collected) {
            described |= m.getByte(m.readerIndex()) == FrontendType.DESCRIBE;
            m.release();
        }
        collected.clear();
        ByteBufAllocator alloc = client.alloc();
        client.write(FrontendMessages.parseComplete(alloc), client.voidPromise());
        client.write(alloc.buffer(5).writeByte('2').writeInt(4), client.voidPromise()); // BindComplete
        if (described) client.write(alloc.buffer(5).writeByte('n').writeInt(4), client.voidPromise()); // NoData
        answerStatement(client, collectedSql);
        return true;
    }

    /**
     * The statement's own reply and the ReadyForQuery: a transaction start is deferred; an end before any statement ran
     * ends nothing on a server; in a failed transaction every end is a ROLLBACK.
     */
    private void answerStatement(Channel client, String text) {
        if (state == State.NONE) {
            state = State.DEFERRED;
            sql = text;
            reply(client, "BEGIN", TransactionStatus.IN_TRANSACTION);
            return;
        }
        var end = END.matcher(text);
        end.matches();
        String verb = end.group(1).toLowerCase(Locale.ROOT);
        boolean commit = state == State.DEFERRED && (verb.equals("commit") || verb.equals("end"));
        state = State.NONE;
        sql = null;
        reply(client, commit ? "COMMIT" : "ROLLBACK", TransactionStatus.IDLE);
    }

    /** The extended batch collected so far, which turned out not to be one the gateway answers: it goes to a backend. */
    List<ByteBuf> takeCollected() {
        if (collected.isEmpty()) return List.of();
        List<ByteBuf> out = new ArrayList<>(collected);
        collected.clear();
        return out;
    }

    /** Frees what was collected (the client left). */
    void releaseCollected() {
        collected.forEach(ByteBuf::release);
        collected.clear();
    }

    /**
     * After a failure inside the deferred transaction: as the server in a failed transaction — a ROLLBACK (or COMMIT,
     * which then rolls back) ends it, anything else is refused with 25P02 (an extended batch once, up to its Sync).
     */
    private boolean answerInFailedTransaction(byte type, ByteBuf message, Channel client) {
        if (type == FrontendType.QUERY) {
            message.release();
            client.write(refusal(client), client.voidPromise());
            client.write(ServerMessages.readyForQuery(client.alloc(), TransactionStatus.FAILED), client.voidPromise());
            return true;
        }
        if (type == FrontendType.SYNC) {
            message.release();
            refusedInBatch = false;
            client.write(ServerMessages.readyForQuery(client.alloc(), TransactionStatus.FAILED), client.voidPromise());
            return true;
        }
        message.release();
        if (type == FrontendType.FLUSH) return true;
        if (!refusedInBatch) client.write(refusal(client), client.voidPromise());
        refusedInBatch = true; // the server skips the rest of the batch up to its Sync
        return true;
    }

    /** In a failed transaction, the extended batch under way was refused already. */
    private boolean refusedInBatch;

    private static ByteBuf refusal(Channel client) {
        return ServerMessages.inFailedTransaction(client.alloc());
    }

    private static void reply(Channel client, String tag, TransactionStatus status) {
        client.write(FrontendMessages.commandComplete(client.alloc(), tag), client.voidPromise());
        client.write(ServerMessages.readyForQuery(client.alloc(), status), client.voidPromise());
    }

    /** The text of a Parse (of any statement name) that declares no parameter types, or null if it is not such a one. */
    private static String parseText(ByteBuf message) {
        int at = message.readerIndex();
        int end = at + message.readableBytes();
        if (end - at < 9) return null;
        int nameEnd = message.indexOf(at + 5, end, (byte) 0);
        if (nameEnd < 0) return null;
        int nul = message.indexOf(nameEnd + 1, end, (byte) 0);
        if (nul < 0 || nul + 3 != end || message.getShort(nul + 1) != 0) return null;
        return message.toString(nameEnd + 1, nul - nameEnd - 1, StandardCharsets.UTF_8);
    }

    /** A Bind of the unnamed portal to the statement {@code parse} prepares (named or not), with no parameters. */
    private static boolean isPlainBind(ByteBuf message, ByteBuf parse) {
        int at = message.readerIndex();
        int end = at + message.readableBytes();
        int nameAt = parse.readerIndex() + 5;
        int nameLength = parse.indexOf(nameAt, parse.readerIndex() + parse.readableBytes(), (byte) 0) - nameAt;
        int afterName = at + 6 + nameLength;
        if (end - at < 11 + nameLength || message.getByte(at + 5) != 0 || message.getByte(afterName) != 0
                || !ByteBufUtil.equals(message, at + 6, parse, nameAt, nameLength)) {
            return false;
        }
        int formats = message.getUnsignedShort(afterName + 1);
        int params = afterName + 3 + 2 * formats;
        return params + 2 <= end && message.getShort(params) == 0;
    }

    /** The text of a simple Query, or null if it is not a well-formed one (the server will say so). */
    private static String queryText(ByteBuf message) {
        int from = message.readerIndex() + 5;
        int end = message.readerIndex() + message.readableBytes() - 1;
        if (end < from || message.getByte(end) != 0 || message.indexOf(from, end, (byte) 0) >= 0) return null;
        return message.toString(from, end - from, StandardCharsets.UTF_8);
    }
}
