package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.TestBackends;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.TransactionStatus;
import org.stonescriptdb.gateway.protocol.Wire;
import org.stonescriptdb.gateway.testing.RawBackend;
import org.stonescriptdb.gateway.testing.RawFrontend;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One client's share of transaction pooling without its lease: {@link ClientRequests}, {@link BackendReplies},
 * {@link ReplyQueue}, {@link ClientStatements} and {@link BatchState}, wired as {@code TransactionFlow}'s constructor
 * wires them, on an embedded channel for the client and embedded backends the test attaches. Messages go in as the
 * flow hands them on while a backend is attached: a client message the client's half lets through unread
 * ({@link ClientRequests#passesUnread}: the unnamed statement and portal) straight to the backend, any other to
 * {@link ClientRequests#process} — or every one to {@code process}, as the flow replays messages that waited for a
 * backend ({@link #replayed}); each backend reply to {@link BackendReplies#handle} (after its ReadyForQuery status is
 * recorded on the connection, as {@code BackendHandler} does); and the gateway's own replies out as soon as they are
 * due. (The flow also lets Execute and Sync through at their header; {@code process} expects the same replies for
 * them.) The lease — getting and giving back backends, the hand-over reset, cancel and disconnect — is
 * {@code TransactionFlow}'s and is tested through it.
 *
 * <p>Every message a test feeds in is a tracked buffer; {@link Fixture#close} says which the gateway never released.
 */
final class FlowParts {

    static final String DB = "app_main";

    final Fixture fixture;
    final EmbeddedChannel clientChannel = new EmbeddedChannel();
    final ClientSession session;
    final ClientStatements statements;
    final ReplyQueue expected = new ReplyQueue();
    final BatchState batch = new BatchState();
    final ClientRequests requests;
    final BackendReplies replies;
    /** The backend attached now (the flow's {@code backend}). */
    BackendConnection backend;
    /**
     * The client's messages come from the backlog, replayed once a backend was attached: every one is read whole
     * ({@link ClientRequests#process}), none let through unread.
     */
    boolean replayed;
    /**
     * Each time the flow would ask whether it may give the backend back (after a ReadyForQuery reached the client,
     * or a ReadyForQuery of the gateway's own), whether it could: nothing outstanding, no open extended batch, not
     * pinned, and the backend idle (status {@code I}).
     */
    final List<Boolean> releaseChecks = new ArrayList<>();

    private FlowParts(Fixture fixture, BackendConnection backend) {
        this.fixture = fixture;
        this.backend = backend;
        GatewayConfig config = GatewayConfig.defaults();
        SessionServices services = new SessionServices(config, null, null, null, null, null, fixture.registry, new ProxyCounters());
        this.session = new ClientSession(services, StartupParameters.from(Map.of("user", "app", "database", DB)));
        setClientChannel(session, clientChannel);
        // As in TransactionFlow's constructor.
        this.statements = new ClientStatements(services.statements(), config.limits().maxStatementsPerClient(),
                config.limits().maxStatementBytesPerClient());
        this.requests = new ClientRequests(session, statements, expected, batch, () -> this.backend);
        this.replies = new BackendReplies(session, statements, expected, batch, () -> this.backend, () -> {
            drainSynthetic();
            releaseCheck();
        });
    }

    /** The session's client channel is set when it joins a pipeline, which would start a login: set here instead. */
    private static void setClientChannel(ClientSession session, EmbeddedChannel channel) {
        try {
            Field f = ClientSession.class.getDeclaredField("client");
            f.setAccessible(true);
            f.set(session, channel);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("ClientSession's client channel field moved: adapt FlowParts", e);
        }
    }

    /**
     * The client logged in on the attached backend, which reported {@code parameters}: the client has these values,
     * as at the end of {@code ClientSession}'s login (what a RESET returns it to).
     */
    FlowParts loggedIn(Map<String, String> parameters) {
        parameters.forEach((name, value) -> TestBackends.reported(backend, name, value));
        session.parameters().loginSynced(backend, ClientParameters.Sync.NONE);
        return this;
    }

    /** The client's next transaction runs on {@code next} (the flow gave the last one back in between). */
    void attach(BackendConnection next) {
        backend = next;
    }

    /** Client messages, each read whole on its own, handed on as the flow hands them on with a backend attached. */
    void send(byte[]... messages) {
        for (byte[] m : messages) process(fixture.track(m));
    }

    /**
     * Client messages that arrived in one read: slices of one buffer, as {@code MessageStreamHandler} hands them on.
     */
    void sendInOneRead(byte[]... messages) {
        int total = 0;
        for (byte[] m : messages) total += m.length;
        ByteBuf read = ByteBufAllocator.DEFAULT.buffer(total);
        for (byte[] m : messages) read.writeBytes(m);
        fixture.inputs.add(read);
        while (read.isReadable()) {
            int length = read.getInt(read.readerIndex() + 1) + 1;
            ByteBuf message = read.retainedSlice(read.readerIndex(), length);
            read.skipBytes(length);
            process(message);
        }
        read.release();
    }

    /**
     * A client message between transactions, with no backend attached: whether the gateway answered it alone
     * ({@link ClientRequests#answeredWithoutBackend}); if not, the flow would fetch a backend for it (here it is dropped).
     */
    boolean sendWithoutBackend(byte[] message) {
        ByteBuf m = fixture.track(message);
        if (requests.answeredWithoutBackend(m.getByte(0), m)) return true;
        m.release();
        return false;
    }

    private void process(ByteBuf message) {
        byte type = message.getByte(message.readerIndex());
        // As TransactionFlow.passWholeThrough (ClientSession asks it only of a Parse, Bind, Describe or Query).
        boolean whole = type == FrontendType.PARSE || type == FrontendType.BIND || type == FrontendType.DESCRIBE
                || type == FrontendType.QUERY;
        if (!replayed && whole && !batch.skippingUntilSync && requests.passesUnread(type, message)) {
            backend.channel().write(message, backend.channel().voidPromise());
            return;
        }
        requests.process(type, message);
        drainSynthetic();
    }

    /** Backend replies on the attached backend, handed on as the flow hands them on. */
    void reply(byte[]... messages) {
        for (byte[] m : messages) {
            ByteBuf message = fixture.track(m);
            byte type = message.getByte(0);
            if (type == BackendType.READY_FOR_QUERY) TestBackends.readyForQuery(backend, message.getByte(5));
            replies.handle(type, message);
            drainSynthetic();
        }
    }

    private void drainSynthetic() {
        if (expected.sendDueSynthetic(reply -> clientChannel.write(reply, clientChannel.voidPromise()))) releaseCheck();
    }

    private void releaseCheck() {
        releaseChecks.add(expected.isEmpty() && !batch.unsynced && !batch.pinned()
                && backend.transactionStatus() == TransactionStatus.IDLE);
    }

    /** What the client received since last asked, one string per message ({@link #describeBackendMessage}). */
    List<String> received() {
        return Fixture.read(clientChannel, FlowParts::describeBackendMessage);
    }

    /** What the attached backend was sent since last asked, one string per message ({@link #describeFrontendMessage}). */
    List<String> sent() {
        return sent(backend);
    }

    List<String> sent(BackendConnection b) {
        return Fixture.read((EmbeddedChannel) b.channel(), FlowParts::describeFrontendMessage);
    }

    /** The kinds of the replies still expected, in order (the queue is left as it is). */
    List<Expected.Kind> expecting() {
        return expected.kinds();
    }

    /**
     * The client prepares {@code name} on its backend (Parse and Sync, answered: ParseComplete if the backend lacked it),
     * and what it received is read; returns the gateway's name for it.
     */
    String prepared(String name, String sql) {
        send(RawFrontend.parse(name, sql), RawFrontend.sync());
        String gatewayName = gatewayName(name);
        List<String> sent = sent();
        if (sent.size() == 2) reply(RawBackend.parseComplete());
        reply(RawBackend.ready('I'));
        List<String> received = received();
        if (!sent.equals(List.of("P " + gatewayName, "S")) && !sent.equals(List.of("S")) || !received.equals(List.of("1", "Z I"))) {
            throw new AssertionError("preparing " + name + ": sent " + sent + ", received " + received);
        }
        releaseChecks.clear();
        return gatewayName;
    }

    /** The gateway's name for the client's statement {@code clientName}. */
    String gatewayName(String clientName) {
        ClientStatement s = statements.get(clientName);
        if (s == null) throw new AssertionError("the client holds no statement " + clientName);
        return s.def().name();
    }

    /**
     * A client message as the backend got it: type, then for Parse the statement name (or, unnamed, the query),
     * for Bind the statement, for Describe/Close the target and name, for Query the SQL, for CopyData its text.
     */
    static String describeFrontendMessage(ByteBuf m) {
        byte type = m.getByte(m.readerIndex());
        String detail = switch (type) {
            case FrontendType.PARSE -> {
                FrontendMessages.Parse p = FrontendMessages.parse(m);
                yield p.name().isEmpty() ? p.query() : p.name();
            }
            case FrontendType.BIND -> FrontendMessages.bindStatement(m);
            case FrontendType.DESCRIBE, FrontendType.CLOSE -> (char) FrontendMessages.target(m) + ofNonEmpty(FrontendMessages.targetName(m));
            case FrontendType.QUERY -> cstringAt(m, 5);
            case FrontendType.COPY_DATA -> m.toString(m.readerIndex() + 5, m.readableBytes() - 5, StandardCharsets.UTF_8);
            case FrontendType.COPY_FAIL -> cstringAt(m, 5);
            default -> "";
        };
        return (char) type + ofNonEmpty(detail);
    }

    /**
     * A backend message as the client got it: type, then for ReadyForQuery its status, for ErrorResponse and
     * NoticeResponse the code and text, for CommandComplete the tag, for ParameterStatus name=value, for RowDescription
     * the column names, for DataRow the values, for CopyData its text.
     */
    static String describeBackendMessage(ByteBuf m) {
        byte type = m.getByte(m.readerIndex());
        ByteBuf body = m.slice(m.readerIndex() + 5, m.readableBytes() - 5);
        String detail = switch (type) {
            case BackendType.READY_FOR_QUERY -> String.valueOf((char) body.getByte(0));
            case BackendType.ERROR_RESPONSE, BackendType.NOTICE_RESPONSE -> {
                ErrorFields e = ErrorFields.decodeMessage(m);
                yield e.code() + " " + e.message();
            }
            case BackendType.COMMAND_COMPLETE -> Wire.readCString(body);
            case BackendType.PARAMETER_STATUS -> Wire.readCString(body) + "=" + Wire.readCString(body);
            case BackendType.ROW_DESCRIPTION -> {
                int n = body.readShort();
                List<String> names = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    names.add(Wire.readCString(body));
                    body.skipBytes(18);
                }
                yield String.join(",", names);
            }
            case BackendType.DATA_ROW -> {
                int n = body.readShort();
                List<String> values = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int length = body.readInt();
                    values.add(length < 0 ? "NULL" : body.readCharSequence(length, StandardCharsets.UTF_8).toString());
                }
                yield String.join(",", values);
            }
            case FrontendType.COPY_DATA -> body.toString(StandardCharsets.UTF_8);
            default -> "";
        };
        return (char) type + ofNonEmpty(detail);
    }

    private static String ofNonEmpty(String detail) {
        return detail.isEmpty() ? "" : " " + detail;
    }

    private static String cstringAt(ByteBuf m, int offset) {
        return Wire.readCString(m.slice(m.readerIndex() + offset, m.readableBytes() - offset));
    }

    /**
     * What several clients share: the statement registry and the backends; and every buffer fed in, to tell at the end
     * which the gateway kept.
     */
    static final class Fixture {

        final StatementRegistry registry = new StatementRegistry();
        private final List<BackendConnection> backends = new ArrayList<>();
        private final List<FlowParts> clients = new ArrayList<>();
        private final List<ByteBuf> inputs = new ArrayList<>();

        /** A backend connection of {@link #DB} on an embedded channel, as a pool would hand it out. */
        BackendConnection backend() {
            BackendConnection b = TestBackends.on(new EmbeddedChannel(), DB);
            backends.add(b);
            return b;
        }

        /** A client with {@code backend} attached. */
        FlowParts client(BackendConnection backend) {
            FlowParts c = new FlowParts(this, backend);
            clients.add(c);
            return c;
        }

        private ByteBuf track(byte[] message) {
            ByteBuf b = ByteBufAllocator.DEFAULT.buffer(message.length).writeBytes(message);
            inputs.add(b);
            return b;
        }

        /**
         * Frees what is left as the flow does when its client goes (the queue, the client's statements), reads and
         * frees what the channels still hold, and returns the buffers fed in that the gateway never released.
         */
        List<String> close() {
            for (FlowParts c : clients) {
                c.expected.clear();
                c.statements.clear();
                c.received();
            }
            for (BackendConnection b : backends) read((EmbeddedChannel) b.channel(), FlowParts::describeFrontendMessage);
            List<String> kept = new ArrayList<>();
            for (ByteBuf b : inputs) {
                if (b.refCnt() != 0) {
                    kept.add((char) b.getByte(0) + " (refCnt " + b.refCnt() + ")");
                    b.release(b.refCnt());
                }
            }
            return kept;
        }

        /** Every message written to {@code channel} since last asked, described and freed; buffers may hold several. */
        private static List<String> read(EmbeddedChannel channel, Function<ByteBuf, String> describe) {
            channel.flush(); // the flow's writes wait for the end of a read to be flushed
            List<String> out = new ArrayList<>();
            Object o;
            while ((o = channel.readOutbound()) != null) {
                ByteBuf b = (ByteBuf) o;
                try {
                    while (b.isReadable()) {
                        int length = b.getInt(b.readerIndex() + 1) + 1;
                        out.add(describe.apply(b.slice(b.readerIndex(), length)));
                        b.skipBytes(length);
                    }
                } finally {
                    b.release();
                }
            }
            return out;
        }
    }
}
