package org.stonescriptdb.gateway.deploy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.TestCertificates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/prometheus/alerts.yml passes {@code promtool test rules} (where Debian's prometheus package is installed), and
 * every metric that it and deploy/grafana/dashboard.json name is one a running gateway exports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitoringFilesTest {

    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Pattern METRIC = Pattern.compile("db_gateway_[a-z0-9_]+");
    private static Path dir;
    private static GatewayApplication app;
    private static Set<String> exported;
    private static String scrape;

    @BeforeAll
    static void scrapeAGatewayThatDidSomething() throws Exception {
        dir = Files.createTempDirectory("gateway-monitoring");
        TestCertificates.PemFiles server = TestCertificates.authority("monitoring test CA")
                .issue("localhost", List.of("localhost"), List.of("127.0.0.1")).written(dir, "server");
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "TLS_MODE", "allow",
                "TLS_CERT_FILE", server.certificate().toString(), "TLS_KEY_FILE", server.key().toString()), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config);
        Http http = new Http(app.httpPort(), null);
        // Counters with labels appear once something counted: a deploy, an error answer, a /query.
        Http.Response registered = http.postMultipart("/register", Map.of("platform", "monitored", "schema", Bundles.tarGz(Bundles.clinicV1())));
        assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        assertThat(http.postJson("/query", Map.of("platform", "monitored", "query", "select 1 as one")).status()).isEqualTo(200);
        assertThat(http.postJson("/query", Map.of("platform", "Not A Name", "query", "select 1")).status()).isEqualTo(400);
        // A wire client, so a proxy pool exists to be reported.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort()
                + "/monitored_main?user=app&sslmode=disable&connectTimeout=5"); java.sql.Statement st = c.createStatement()) {
            st.execute("select 1");
        }
        scrape = http.get("/metrics").text();
        exported = scrape.lines()
                .filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @AfterAll
    static void stop() throws IOException {
        if (app != null) app.stop(Duration.ZERO);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    private static Set<String> metricsNamedIn(Path file) throws IOException {
        Matcher m = METRIC.matcher(Files.readString(file, StandardCharsets.UTF_8));
        Set<String> names = new TreeSet<>();
        while (m.find()) names.add(m.group());
        return names;
    }

    @Test
    void everyMetricTheAlertsNameIsExported() throws IOException {
        Set<String> named = metricsNamedIn(DEPLOY.resolve("prometheus/alerts.yml"));
        assertThat(named).hasSizeGreaterThanOrEqualTo(6);
        assertThat(exported).as("/metrics of a running gateway").containsAll(named);
    }

    @Test
    void everyMetricTheDashboardNamesIsExported() throws IOException {
        Set<String> named = metricsNamedIn(DEPLOY.resolve("grafana/dashboard.json"));
        assertThat(named).hasSizeGreaterThanOrEqualTo(10);
        assertThat(exported).as("/metrics of a running gateway").containsAll(named);
    }

    @Test
    void theProxysSeriesPerPlatformCountTheWireClientsTransactions() {
        assertThat(exported).contains("db_gateway_platform_transactions_total", "db_gateway_platform_backend_connections",
                "db_gateway_platform_client_connections");
        assertThat(scrape).containsPattern("db_gateway_platform_transactions_total\\{platform=\"monitored\",?\\} [1-9]");
    }

    @Test
    void theAlertRulesPassTheirPromtoolTests() throws Exception {
        Assumptions.assumeTrue(onPath("promtool"), "promtool is not installed (Debian package prometheus; .ci/run installs it)");
        Path rules = DEPLOY.resolve("prometheus");
        assertThat(run(rules, "promtool", "check", "rules", "alerts.yml")).as("promtool check rules").startsWith("0\n");
        assertThat(run(rules, "promtool", "test", "rules", "alerts_test.yml")).as("promtool test rules").startsWith("0\n");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    /** The exit status, a newline, then what the command printed. */
    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timeout\n" + out;
        }
        return p.exitValue() + "\n" + out;
    }
}
