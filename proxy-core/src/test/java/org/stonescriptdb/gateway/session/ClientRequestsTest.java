package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.TestBackends;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.session.Expected.Kind;
import org.stonescriptdb.gateway.testing.RawFrontend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client's half of transaction pooling fed message sequences, with embedded channels for the client and the
 * backend: what reaches the backend, what the gateway answers itself, and which replies it then expects.
 */
class ClientRequestsTest {

    private static final String DB = "app_main";
    private final StatementRegistry registry = new StatementRegistry();
    private final EmbeddedChannel backendChannel = new EmbeddedChannel();
    private final BackendConnection backend = TestBackends.on(backendChannel, DB);
    private final List<Client> clients = new ArrayList<>();

    /** One client: its channel, statements, reply queue and batch, on the shared backend. */
    private final class Client {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final ClientStatements statements = new ClientStatements(registry, 100, 1 << 20);
        final ReplyQueue expected = new ReplyQueue();
        final BatchState batch = new BatchState();
        final ClientRequests requests = new ClientRequests(channel, DB, new ClientParameters(Map.of()), registry,
                new ProxyCounters(), statements, expected, batch, () -> backend);

        Client() {
            clients.add(this);
        }

        void send(byte[] message) {
            ByteBuf m = Unpooled.wrappedBuffer(message);
            requests.process(m.getByte(0), m);
        }

        /** The kinds of the replies expected, in order. */
        List<Kind> expecting() {
            List<Kind> kinds = new ArrayList<>();
            Expected e;
            while ((e = expected.pop()) != null) {
                kinds.add(e.kind);
                e.discard();
            }
            return kinds;
        }
    }

    @AfterEach
    void release() {
        drain(backendChannel);
        for (Client c : clients) {
            drain(c.channel);
            c.expected.clear();
        }
    }

    private static void drain(EmbeddedChannel ch) {
        ch.flush();
        Object m;
        while ((m = ch.readOutbound()) != null) ((ByteBuf) m).release();
    }

    /** The messages the backend was sent: type and, for Parse/Bind/Close/Describe, the statement name. */
    private List<String> sentToBackend() {
        List<String> out = new ArrayList<>();
        backendChannel.flush(); // the flow's writes wait for the read's end to flush
        Object m;
        while ((m = backendChannel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            byte type = b.getByte(b.readerIndex());
            String name = switch (type) {
                case FrontendType.PARSE -> FrontendMessages.parse(b).name();
                case FrontendType.BIND -> FrontendMessages.bindStatement(b);
                case FrontendType.CLOSE, FrontendType.DESCRIBE -> FrontendMessages.targetName(b);
                default -> "";
            };
            out.add((char) type + (name.isEmpty() ? "" : " " + name));
            b.release();
        }
        return out;
    }

    @Test
    void aNamedStatementReachesTheBackendUnderTheGatewaysName() {
        Client a = new Client();

        a.send(RawFrontend.parse("s1", "select $1::int + 1"));
        a.send(RawFrontend.bind("", "s1", "41"));
        a.send(RawFrontend.execute("", 0));
        a.send(RawFrontend.sync());

        List<String> sent = sentToBackend();
        assertThat(sent).hasSize(4);
        assertThat(sent.get(0)).startsWith("P " + StatementRegistry.PREFIX);
        assertThat(sent.get(1)).isEqualTo("B " + sent.get(0).substring(2));
        assertThat(sent.subList(2, 4)).containsExactly("E", "S");
        assertThat(a.expecting()).containsExactly(Kind.PARSE, Kind.BIND, Kind.EXECUTE, Kind.SYNC);
        assertThat(a.batch.unsynced).isFalse();
    }

    /** A second client's Parse of the same statement on a backend that has it: answered by the gateway, not sent. */
    @Test
    void aStatementTheBackendHasIsNotParsedAgain() {
        Client a = new Client();
        Client b = new Client();
        a.send(RawFrontend.parse("s1", "select 1"));
        String gatewayName = sentToBackend().getFirst().substring(2);

        b.send(RawFrontend.parse("mine", "select 1"));
        b.send(RawFrontend.bind("", "mine"));

        assertThat(sentToBackend()).containsExactly("B " + gatewayName);
        assertThat(b.expecting()).containsExactly(Kind.SYNTHETIC, Kind.BIND);
    }

    /** A backend that lacks a client's statement gets it prepared first, and the ParseComplete is swallowed. */
    @Test
    void aBackendThatLacksTheStatementGetsAHiddenParse() {
        Client a = new Client();
        a.send(RawFrontend.parse("s1", "select 2"));
        String gatewayName = sentToBackend().getFirst().substring(2);
        a.expecting();
        backend.statements().forget(gatewayName);

        a.send(RawFrontend.bind("", "s1"));

        assertThat(sentToBackend()).containsExactly("P " + gatewayName, "B " + gatewayName);
        assertThat(a.expecting()).containsExactly(Kind.PARSE_HIDDEN, Kind.BIND);
    }

    /** Closing one's statement is answered by the gateway: others may still use it on this backend. */
    @Test
    void aCloseOfTheClientsStatementIsAnsweredByTheGateway() {
        Client a = new Client();
        a.send(RawFrontend.parse("s1", "select 3"));
        sentToBackend();
        a.expecting();

        a.send(RawFrontend.close('S', "s1"));

        assertThat(sentToBackend()).isEmpty();
        assertThat(a.expecting()).containsExactly(Kind.SYNTHETIC);
        assertThat(a.statements.contains("s1")).isFalse();
    }

    /** A Bind of a statement this client never prepared is refused as the server would (26000), never asked of the backend. */
    @Test
    void anUnknownStatementIsRefusedWithoutAskingTheBackend() {
        Client a = new Client();
        Client other = new Client();
        other.send(RawFrontend.parse("theirs", "select 4"));
        String theirs = sentToBackend().getFirst().substring(2);

        a.send(RawFrontend.bind("", theirs));
        a.send(RawFrontend.execute("", 0));

        assertThat(sentToBackend()).isEmpty();
        Expected refusal = a.expected.pop();
        assertThat(refusal.kind).isEqualTo(Kind.SYNTHETIC);
        assertThat(ErrorFields.decodeMessage(refusal.reply).code()).isEqualTo("26000");
        refusal.discard();
        assertThat(a.batch.skippingUntilSync).isTrue();
        assertThat(a.expected.isEmpty()).as("the Execute is skipped, as the server would").isTrue();
    }

    /** Parsing a name the client already uses fails as on the server (42P05); the first statement stays. */
    @Test
    void aNameInUseFailsTheParse() {
        Client a = new Client();
        a.send(RawFrontend.parse("s1", "select 5"));
        sentToBackend();
        a.expecting();

        a.send(RawFrontend.parse("s1", "select 6"));

        assertThat(sentToBackend()).isEmpty();
        Expected refusal = a.expected.pop();
        assertThat(ErrorFields.decodeMessage(refusal.reply).code()).isEqualTo("42P05");
        refusal.discard();
        assertThat(a.statements.get("s1").def().parseTail()).isNotNull();
    }

    /** SQL DEALLOCATE of a protocol statement concerns the gateway's map: answered whole, the backend untouched. */
    @Test
    void deallocateOfAProtocolStatementIsAnsweredByTheGateway() {
        Client a = new Client();
        a.send(RawFrontend.parse("s1", "select 7"));
        sentToBackend();
        a.expecting();

        a.send(RawFrontend.query("DEALLOCATE s1"));

        assertThat(sentToBackend()).isEmpty();
        assertThat(a.expecting()).containsExactly(Kind.SYNTHETIC, Kind.SYNTHETIC);
        assertThat(a.statements.contains("s1")).isFalse();
    }

    /** Session state the gateway cannot carry elsewhere pins the client; plain SQL goes through untouched. */
    @Test
    void sessionStateThatCannotMovePinsTheClient() {
        Client a = new Client();

        a.send(RawFrontend.query("select 1"));
        assertThat(a.batch.pinned()).isFalse();
        a.send(RawFrontend.query("LISTEN jobs"));

        assertThat(sentToBackend()).containsExactly("Q", "Q");
        assertThat(a.batch.pinned()).isTrue();
        assertThat(a.expecting()).containsExactly(Kind.QUERY, Kind.QUERY);
    }

    /** Extended messages without their Sync hold the backend: the server keeps an implicit transaction open for them. */
    @Test
    void extendedMessagesWithoutSyncHoldTheBackend() {
        Client a = new Client();

        a.send(RawFrontend.parse("", "select 8"));
        a.send(RawFrontend.bind("", ""));
        a.send(RawFrontend.flush());

        assertThat(a.batch.unsynced).isTrue();
        a.send(RawFrontend.sync());
        assertThat(a.batch.unsynced).isFalse();
    }
}
