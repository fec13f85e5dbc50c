package org.stonescriptdb.gateway.config;

import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayConfigTest {

    @Test
    void toStringNamesTheApiKeysButNeverShowsThem() {
        GatewayConfig c = ConfigLoader.load(Map.of(
                "API_KEY_ADMIN", "admin-secret-123",
                "API_KEY_DEMO", "demo-secret-456",
                "DATABASE_URL", "postgres://gw:db-secret-789@db.internal:5433/maint"), null);
        String s = c.toString();
        assertThat(s).doesNotContain("admin-secret-123", "demo-secret-456", "db-secret-789")
                .contains("apiKeys={admin=<redacted>, demo=<redacted>}")
                .contains("backend=BackendTarget[gw@db.internal:5433/maint, sslmode=prefer]")
                .contains("proxyPort=6432", "poolMode=", "logLevel=info", "allowedNetworks=[127.0.0.0/8, ::1/128]");
        // The keys themselves are still there for the code that checks them.
        assertThat(c.apiKeys()).containsEntry("admin", "admin-secret-123");
    }

    @Test
    void toStringWithNoKeysAndNoBackend() {
        String s = GatewayConfig.defaults().toString();
        assertThat(s).startsWith("GatewayConfig[backend=null,").contains("apiKeys={}").endsWith("]");
    }

    @Test
    void toStringShowsEachPart() {
        assertThat(GatewayConfig.defaults().toString()).contains("dataDir=./data, listeners=Listeners[gatewayHost=127.0.0.1,",
                ", pooling=PoolSettings[sizes=PoolSizes[maxConnectionsPerPool=10,", ", io=IoSettings[threads=",
                ", limits=Limits[maxClientConnections=10000,");
    }

    // ---- composition ----

    private static final GatewayConfig D = GatewayConfig.defaults();

    /** The components in which {@code after} differs from {@code before}, two records of one type. */
    private static Set<String> changed(Record before, Record after) {
        Set<String> names = new TreeSet<>();
        try {
            for (RecordComponent c : before.getClass().getRecordComponents()) {
                if (!Objects.equals(c.getAccessor().invoke(before), c.getAccessor().invoke(after))) names.add(c.getName());
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        return names;
    }

    @Test
    void eachWithReplacesOnePartOfTheConfiguration() {
        BackendTarget b = new BackendTarget("h", 1, "m", "u", "p");
        assertThat(changed(D, D.withBackend(b))).containsExactly("backend");
        assertThat(changed(D, D.withDataDir(Path.of("/srv")))).containsExactly("dataDir");
        assertThat(changed(D, D.withPorts(1, 2))).containsExactly("listeners");
        assertThat(changed(D, D.withAllowedNetworks(List.of(Cidr.parse("10.0.0.0/8"))))).containsExactly("listeners");
        assertThat(changed(D, D.withPoolLimits(1, 2, 3))).containsExactly("pooling");
        assertThat(changed(D, D.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)))).containsExactly("pooling");
        assertThat(changed(D, D.withPoolMode(PoolMode.SESSION))).containsExactly("pooling");
        assertThat(changed(D, D.withSessionReset(false))).containsExactly("pooling");
        assertThat(changed(D, D.withLinger(Linger.off()))).containsExactly("pooling");
        assertThat(changed(D, D.withIoThreads(D.ioThreads() + 1))).containsExactly("io");
        assertThat(changed(D, D.withIoTransport(IoTransport.NIO))).containsExactly("io");
        assertThat(changed(D, D.withIoSpinMicros(75))).containsExactly("io");
        assertThat(changed(D, D.withLimits(D.limits().withMaxMessageBytes(4096)))).containsExactly("limits");
    }

    @Test
    void withinAPartOnlyTheNamedValuesChange() {
        assertThat(changed(D.listeners(), D.withPorts(1, 2).listeners())).containsExactly("gatewayPort", "proxyPort");
        assertThat(changed(D.listeners(), D.withAllowedNetworks(List.of(Cidr.parse("10.0.0.0/8"))).listeners()))
                .containsExactly("allowedNetworks");
        assertThat(changed(D.pooling(), D.withPoolLimits(1, 2, 3).pooling())).containsExactly("sizes");
        assertThat(changed(D.pooling(), D.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)).pooling()))
                .containsExactly("timeouts");
        assertThat(changed(D.pooling().timeouts(), D.withQueryWaitTimeout(Duration.ofSeconds(9)).pooling().timeouts()))
                .containsExactly("queryWaitTimeout");
        assertThat(changed(D.pooling().timeouts(), D.withTimeouts(D.poolIdleTimeout(), D.poolMaxLifetime(), Duration.ofSeconds(9))
                .pooling().timeouts())).as("the connection timeout alone; the wait for a busy pool stays").containsExactly("connectionTimeout");
        assertThat(changed(D.pooling(), D.withPoolMode(PoolMode.SESSION).pooling())).containsExactly("poolMode");
        assertThat(changed(D.pooling(), D.withSessionReset(false).pooling())).containsExactly("sessionReset");
        assertThat(changed(D.pooling(), D.withLinger(Linger.off()).pooling())).containsExactly("linger");
        assertThat(changed(D.io(), D.withIoThreads(D.ioThreads() + 1).io())).containsExactly("threads");
        assertThat(changed(D.io(), D.withIoTransport(IoTransport.NIO).io())).containsExactly("transport");
        assertThat(changed(D.io(), D.withIoSpinMicros(75).io())).containsExactly("spinMicros");
    }

    @Test
    void theWithsSetWhatTheyName() {
        GatewayConfig c = D.withPorts(1, 2).withPoolLimits(3, 4, 5)
                .withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(7), Duration.ofSeconds(8)).withQueryWaitTimeout(Duration.ofSeconds(13))
                .withPoolMode(PoolMode.SESSION).withSessionReset(false).withLinger(Linger.off())
                .withIoThreads(9).withIoTransport(IoTransport.EPOLL).withIoSpinMicros(10);
        assertThat(c.listeners()).isEqualTo(new Listeners("127.0.0.1", 1, 2, D.allowedNetworks()));
        assertThat(c.pooling()).isEqualTo(new PoolSettings(new PoolSizes(3, 4, 5),
                new PoolTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(7), Duration.ofSeconds(8), Duration.ofSeconds(13)), PoolMode.SESSION, false, Linger.off()));
        assertThat(c.io()).isEqualTo(new IoSettings(9, IoTransport.EPOLL, 10));
        assertThat(c.withPoolMode(PoolMode.TRANSACTION).withSessionReset(true).withLinger(D.linger())
                .withPoolLimits(10, 200, 50).withTimeouts(D.poolIdleTimeout(), D.poolMaxLifetime(), D.connectionTimeout())
                .withQueryWaitTimeout(D.queryWaitTimeout())
                .withPorts(9000, 6432).withIo(D.io())).isEqualTo(D);
    }

    @Test
    void theFlatReadersReadTheParts() {
        GatewayConfig c = D.withPorts(1, 2).withPoolLimits(3, 4, 5)
                .withTimeouts(Duration.ofSeconds(6), Duration.ofSeconds(7), Duration.ofSeconds(8))
                .withPoolMode(PoolMode.SESSION).withSessionReset(false).withLinger(Linger.off())
                .withIoThreads(9).withIoTransport(IoTransport.EPOLL).withIoSpinMicros(10);
        assertThat(List.of(c.gatewayHost(), c.gatewayPort(), c.proxyPort(), c.allowedNetworks()))
                .containsExactly("127.0.0.1", 1, 2, D.allowedNetworks());
        assertThat(List.of(c.maxConnectionsPerPool(), c.maxTotalConnections(), c.maxPools())).containsExactly(3, 4, 5);
        assertThat(List.of(c.poolIdleTimeout(), c.poolMaxLifetime(), c.connectionTimeout()))
                .containsExactly(Duration.ofSeconds(6), Duration.ofSeconds(7), Duration.ofSeconds(8));
        assertThat(List.of(c.poolMode(), c.sessionReset(), c.linger())).containsExactly(PoolMode.SESSION, false, Linger.off());
        assertThat(List.of(c.ioThreads(), c.ioTransport(), c.ioSpinMicros())).containsExactly(9, IoTransport.EPOLL, 10);
    }

    @Test
    void thePartsKeepNoReferenceToTheCallersList() {
        List<Cidr> networks = new ArrayList<>(List.of(Cidr.parse("10.0.0.0/8")));
        GatewayConfig c = D.withAllowedNetworks(networks);
        networks.add(Cidr.parse("0.0.0.0/0"));
        assertThat(c.allowedNetworks()).containsExactly(Cidr.parse("10.0.0.0/8"));
    }

    @Test
    void backendTargetToStringHidesThePassword() {
        BackendTarget b = new BackendTarget("h", 5432, "postgres", "u", "hunter2");
        assertThat(b.toString()).doesNotContain("hunter2").isEqualTo("BackendTarget[u@h:5432/postgres, sslmode=prefer]");
        assertThat(b.withPort(6000).toString()).doesNotContain("hunter2");
    }
}
