package org.stonescriptdb.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.http.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What can be checked of the container and Kubernetes files without a container engine or a cluster: the YAML parses
 * (Debian's PyYAML), the manifests have the kinds, probes and user they should, every setting they give is one the
 * gateway accepts, the files they mount exist, and the Dockerfile's paths are the ones {@code ./gateway dist} makes.
 */
class DeployFilesTest {

    private static final Path ROOT = Path.of("..");
    private static final Path DEPLOY = ROOT.resolve("deploy");

    /** Every document of a YAML file, as JSON, read by /usr/bin/python3's yaml module. */
    private static List<JsonNode> yaml(Path file) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Assumptions.assumeFalse(out.contains("No module named 'yaml'"), "python3-yaml is not installed");
        assertThat(p.exitValue()).as(file + " parses as YAML: " + out).isZero();
        List<JsonNode> docs = new ArrayList<>();
        Json.MAPPER.readTree(out).forEach(docs::add);
        return docs;
    }

    @Test
    void theKubernetesManifestsHaveTheirPartsProbesAndANonRootUser() throws Exception {
        Map<String, JsonNode> byKind = new HashMap<>();
        for (JsonNode doc : yaml(DEPLOY.resolve("kubernetes/gateway.yaml"))) byKind.put(doc.path("kind").asText(), doc);
        assertThat(byKind).containsOnlyKeys("ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget");
        JsonNode pod = byKind.get("Deployment").path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isEqualTo(10001);

        // Every setting the manifests give is one the gateway reads and accepts.
        Map<String, String> env = new HashMap<>();
        byKind.get("ConfigMap").path("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        byKind.get("Secret").path("stringData").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        for (String name : env.keySet()) {
            assertThat(Files.readString(ROOT.resolve("docs/configuration.md"))).as(name + " is documented").contains("`" + name + "`");
        }
        ConfigLoader.load(env);
    }

    @Test
    void theComposeFileBuildsTheImageAndMountsFilesThatExist() throws Exception {
        JsonNode compose = yaml(DEPLOY.resolve("docker-compose.yml")).getFirst();
        assertThat(compose.path("services").fieldNames()).toIterable().containsExactlyInAnyOrder("postgres", "gateway", "prometheus", "grafana");
        assertThat(compose.path("services").path("postgres").path("image").asText()).isEqualTo("postgres:17");
        JsonNode build = compose.path("services").path("gateway").path("build");
        assertThat(DEPLOY.resolve(build.path("context").asText()).resolve(build.path("dockerfile").asText())).isRegularFile();
        for (String service : List.of("prometheus", "grafana")) {
            for (JsonNode volume : compose.path("services").path(service).path("volumes")) {
                assertThat(DEPLOY.resolve(volume.asText().split(":")[0])).as(service + " mounts " + volume).isRegularFile();
            }
        }
        for (Path provisioning : List.of(DEPLOY.resolve("compose/prometheus.yml"), DEPLOY.resolve("compose/grafana/datasource.yml"),
                DEPLOY.resolve("compose/grafana/dashboards.yml"))) {
            assertThat(yaml(provisioning)).hasSize(1);
        }
    }

    @Test
    void theDockerfileIsMultiStageNonRootWithAHealthcheckAndTheDistsPaths() throws Exception {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertThat(Pattern.compile("^FROM ", Pattern.MULTILINE).matcher(dockerfile).results().count()).isGreaterThanOrEqualTo(2);
        Matcher user = Pattern.compile("^USER (\\S+)", Pattern.MULTILINE).matcher(dockerfile);
        assertThat(user.find()).isTrue();
        assertThat(user.group(1)).doesNotStartWith("0").isNotEqualTo("root");
        assertThat(dockerfile).contains("HEALTHCHECK").contains("/health/live").contains("RUN ./gateway dist");
        Matcher version = Pattern.compile("^VERSION=(\\S+)", Pattern.MULTILINE).matcher(Files.readString(ROOT.resolve("gateway")));
        assertThat(version.find()).isTrue();
        assertThat(dockerfile).contains("/src/dist/stonescriptdb-gateway-" + version.group(1) + " ")
                .contains("\"/opt/stonescriptdb-gateway/bin/gateway\"");
    }
}
