package org.stonescriptdb.gateway.session;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.pool.PoolTimeoutException;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.protocol.TransactionStatus;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs one client in: on a backend (applying the startup packet's settings, after the session reset the backend may
 * need, with a few retries on other backends when that reset fails), or — in transaction pooling — with what an
 * earlier login of the same settings reported ({@link LoginGreetings}). Then greets the client as PostgreSQL does and
 * hands the session over to its flow ({@link ClientSession#loggedIn}); a login that fails ends the session with the
 * server's own FATAL. Runs on the client's event loop.
 */
final class SessionLogin {

    private static final Logger LOG = Logger.getLogger(SessionLogin.class.getName());
    private static final int MAX_FAILED_RESETS = 3;

    private final ClientSession session;
    private final SessionServices services;
    private final StartupParameters startup;
    private final ClientParameters parameters;
    private final PoolMode mode;
    private Future<BackendConnection> acquiring;
    /** Session resets that failed while logging in (each on a backend then closed); a few are retried. */
    private int failedResets;
    /** This login went first for its settings ({@link LoginGreetings#join}); its followers wait to hear how it ended. */
    private boolean leadsGreeting;

    SessionLogin(ClientSession session, SessionServices services, StartupParameters startup, ClientParameters parameters,
                 PoolMode mode) {
        this.session = session;
        this.services = services;
        this.startup = startup;
        this.parameters = parameters;
        this.mode = mode;
    }

    /** Begins the login once the client's channel is known. */
    void start() {
        if (mode == PoolMode.TRANSACTION) greetOrLogIn();
        else acquireForLogin();
    }

    /** The session ends before this login greeted anyone: those following it hear that it failed. */
    void abandonGreeting() {
        endLeadingGreeting(false);
    }

    /** The client's connection closed: a backend still being waited for is no longer wanted. */
    void clientClosed() {
        endLeadingGreeting(false);
        if (acquiring != null && !acquiring.isDone()) acquiring.cancel(false);
    }

    /**
     * In transaction pooling a client holds no backend between transactions, so it need not wait for one to log in
     * either: when a backend of this server already accepted the same startup settings for this database, the client is
     * greeted with what that login reported ({@link LoginGreetings}), at once. Otherwise it logs in on a backend — or
     * follows another client's login with the same settings that is under way.
     */
    private void greetOrLogIn() {
        java.util.concurrent.CompletableFuture<Map<String, String>> greeting = services.greetings().join(startup.database(), parameters.requested());
        if (greeting == null) {
            leadsGreeting = true;
            acquireForLogin();
            return;
        }
        greeting.whenComplete((reported, error) -> session.client().eventLoop().execute(() -> {
            if (session.closed()) return;
            if (reported == null) {
                acquireForLogin(); // the login it followed failed: this one goes to a backend itself
                return;
            }
            parameters.greetedWith(reported);
            greet(null);
        }));
    }

    /** This login goes first for its settings: it tells those following it how it ended. */
    private void endLeadingGreeting(boolean greeted) {
        if (!leadsGreeting) return;
        leadsGreeting = false;
        if (greeted) services.greetings().learned(startup.database(), parameters.requested(), parameters.reported());
        else services.greetings().failed(startup.database(), parameters.requested());
    }

    private void acquireForLogin() {
        if (session.closed()) return;
        acquiring = services.pools().acquire(startup.database(), session.client().eventLoop(), parameters.applicationName(), session);
        acquiring.addListener(f -> {
            if (f.isCancelled()) return;
            if (f.isSuccess()) login((BackendConnection) f.getNow());
            else failLogin(f.cause());
        });
    }

    private void login(BackendConnection backend) {
        if (session.closed()) {
            services.pools().release(backend);
            return;
        }
        BackendHandOver handOver = BackendHandOver.plan(backend, session, parameters::loginSync, List.of());
        if (handOver.isEmpty()) {
            parameters.loginSynced(backend, handOver.sync());
            greet(backend);
            return;
        }
        Channel client = session.client();
        GatewayQuery.run(backend, handOver.encode(client.alloc()), handOver.replies(), client.eventLoop(),
                services.config().connectionTimeout()).addListener(f -> {
            if (!f.isSuccess()) {
                // Closed (lost, or past the deadline: a reset waiting for a lock another session holds); another
                // backend may do, if it was the reset that never finished.
                services.pools().discard(backend);
                if (handOver.reset() && ++failedResets <= MAX_FAILED_RESETS) {
                    LOG.fine(() -> "session reset did not finish on " + backend + "; logging in on another backend");
                    acquireForLogin();
                    return;
                }
                failLogin(f.cause());
                return;
            }
            GatewayQuery.Result result = (GatewayQuery.Result) f.getNow();
            if (result.failed()) {
                // Not reused: a failed reset leaves the session unknown, and a refused setting may have been half applied.
                services.pools().discard(backend);
                if (handOver.reset() && ++failedResets <= MAX_FAILED_RESETS) {
                    LOG.fine(() -> "session reset failed on " + backend + "; logging in on another backend");
                    acquireForLogin();
                    return;
                }
                // The server would have refused such a startup packet itself: same answer, same SQLSTATE.
                ErrorFields e = result.error();
                session.sendFatal(e.code(), e.message());
                return;
            }
            parameters.loginSynced(backend, handOver.sync());
            greet(backend);
        });
    }

    /**
     * The greeting PostgreSQL gives after a successful login, with the backend's real parameter values ({@code backend}
     * is null when they come from an earlier login with the same settings).
     */
    private void greet(BackendConnection backend) {
        if (session.closed()) {
            endLeadingGreeting(false);
            if (backend != null) services.pools().release(backend);
            return;
        }
        if (backend != null) endLeadingGreeting(true);
        Channel client = session.client();
        if (startup.needsProtocolNegotiation()) {
            client.write(ServerMessages.negotiateProtocolVersion(client.alloc(), ClientMessages.PROTOCOL_3_0, startup.unknownProtocolOptions()));
        }
        client.write(ServerMessages.authenticationOk(client.alloc()));
        client.write(ServerMessages.parameterStatus(client.alloc(), parameters.reported()));
        client.write(ServerMessages.backendKeyData(client.alloc(), session.processId(), session.secretKey()));
        client.writeAndFlush(ServerMessages.readyForQuery(client.alloc(), TransactionStatus.IDLE));
        session.loggedIn(backend);
    }

    private void failLogin(Throwable cause) {
        endLeadingGreeting(false);
        if (session.closed()) return;
        if (cause instanceof PoolTimeoutException) {
            session.sendFatal(SqlState.TOO_MANY_CONNECTIONS, cause.getMessage());
        } else if (cause instanceof BackendException be && be.serverError() != null) {
            session.sendFatal(be.serverError().code(), be.serverError().message());
        } else {
            LOG.log(Level.FINE, "backend connection failed", cause);
            session.sendFatal(SqlState.CONNECTION_FAILURE, "the gateway could not reach the database server: " + cause.getMessage());
        }
    }
}
