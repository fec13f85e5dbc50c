package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.routing.BackendRouter;
import org.stonescriptdb.gateway.transport.Transport;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connections go to the server the routing step names for their database (one server today; the step is what lets there
 * be more), and a pool is for a database on one server.
 */
class BackendRoutingTest {

    private final Transport transport = Transport.of(IoTransport.NIO);
    private final EventLoopGroup loops = transport.newGroup(1, "routing-test");

    @AfterEach
    void stop() {
        loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** A port nothing listens on: a connection attempt there fails at once, naming it. */
    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void eachDatabaseIsConnectedOnTheServerItsRouteNames() throws Exception {
        BackendTarget first = new BackendTarget("127.0.0.1", closedPort(), "postgres", "gateway", "");
        BackendTarget second = new BackendTarget("127.0.0.1", closedPort(), "postgres", "gateway", "");
        Map<String, BackendTarget> routes = Map.of("app_main", first, "other_main", second);
        BackendRouter router = new BackendRouter() {
            @Override
            public BackendTarget route(String database) {
                return routes.get(database);
            }

            @Override
            public List<BackendTarget> targets() {
                return List.of(first, second);
            }
        };
        BackendConnector connector = new BackendConnector(router, database -> first.login(), transport, Duration.ofSeconds(5),
                Duration.ofHours(1));

        Future<BackendConnection> toFirst = connector.connect(loops.next(), "app_main", null, c -> { }).await();
        Future<BackendConnection> toSecond = connector.connect(loops.next(), "other_main", null, c -> { }).await();

        assertThat(toFirst.cause()).hasMessageContaining("127.0.0.1:" + first.port());
        assertThat(toSecond.cause()).hasMessageContaining("127.0.0.1:" + second.port());
    }

    /**
     * Two servers holding a database of the same name (here the route moves between two requests) give two pools, each
     * opening its connections on its own server. Closing the database by name closes the pool on the server it is routed
     * to now, and only that one.
     */
    @Test
    void aDatabaseOfOneNameOnTwoServersHasAPoolOnEach() throws Exception {
        BackendTarget first = new BackendTarget("127.0.0.1", closedPort(), "postgres", "gateway", "");
        BackendTarget second = new BackendTarget("127.0.0.1", closedPort(), "postgres", "gateway", "");
        AtomicReference<BackendTarget> route = new AtomicReference<>(first);
        BackendRouter router = new BackendRouter() {
            @Override
            public BackendTarget route(String database) {
                return route.get();
            }

            @Override
            public List<BackendTarget> targets() {
                return List.of(first, second);
            }
        };
        BackendConnector connector = new BackendConnector(router, database -> first.login(), transport, Duration.ofSeconds(5),
                Duration.ofHours(1));
        PoolManager pools = new PoolManager(GatewayConfig.defaults(), connector);
        try {
            Future<BackendConnection> onFirst = pools.acquire("app_main", loops.next()).await();
            route.set(second);
            Future<BackendConnection> onSecond = pools.acquire("app_main", loops.next()).await();

            assertThat(onFirst.cause()).hasMessageContaining("127.0.0.1:" + first.port());
            assertThat(onSecond.cause()).hasMessageContaining("127.0.0.1:" + second.port());
            assertThat(pools.poolStats()).extracting(PoolManager.PoolStats::database).containsExactly("app_main", "app_main");

            pools.closeDatabase("app_main");
            assertThat(pools.poolStats()).as("the pool on the first server stays").hasSize(1);
            route.set(first);
            pools.closeDatabase("app_main");
            assertThat(pools.poolStats()).isEmpty();
        } finally {
            pools.close();
        }
    }

    @Test
    void oneServerHoldsEveryDatabase() {
        BackendTarget only = new BackendTarget("db.internal", 5432, "postgres", "gateway", "secret");
        BackendRouter router = BackendRouter.single(only);

        assertThat(router.route("medstore_main")).isSameAs(only);
        assertThat(router.route("medstore_clinic_1")).isSameAs(only);
        assertThat(router.targets()).containsExactly(only);
    }
}
