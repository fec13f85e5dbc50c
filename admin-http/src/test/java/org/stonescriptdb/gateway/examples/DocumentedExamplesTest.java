package org.stonescriptdb.gateway.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.examples.MarkdownExamples.Block;
import org.stonescriptdb.gateway.examples.MarkdownExamples.Kind;
import org.stonescriptdb.gateway.http.Json;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every shell example of the README, examples/README.md and docs/ runs, verbatim and in that order, against a gateway
 * started as {@code ./gateway run} starts it (embedded PostgreSQL, the demo platform) on free ports, with the
 * README's preamble pointed at them — so a documented example that stops working fails here with its file and line.
 *
 * <p>Each block runs in its own {@code bash} after {@code set -euo pipefail} and the preamble, in one working
 * directory (archives packed by one block are there for the next) where {@code examples/} is the repository's. The
 * gateway runs with both API keys set, so an example sending the wrong key fails; {@code curl} fails on an HTTP error
 * status ({@code --fail-with-body}), so an example answered 4xx fails too. A block needing a tool the machine lacks
 * (psql) is skipped, saying so; a block marked {@code not run} is skipped with its reason, once the repository paths
 * it names are checked to exist. A comment line {@code # {…}} in a block shows an answer: some JSON value the block
 * printed must have its fields, and under {@code rows} its values too ({@code …} stands for what is left out).
 */
class DocumentedExamplesTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String ADMIN_KEY = "documented-examples-admin-key";
    private static final String CLINIC_KEY = "documented-examples-clinic-key";
    private static final Duration BLOCK_TIMEOUT = Duration.ofMinutes(3);
    /** Tools an example may use that a machine may lack; a block using an absent one is skipped. */
    private static final List<String> OPTIONAL_TOOLS = List.of("psql", "curl", "tar");
    private static final String PROLOGUE = """
            set -euo pipefail
            # An HTTP error status fails the example; curl before 7.76 lacks --fail-with-body.
            if command curl --help all 2>/dev/null | grep -q -- --fail-with-body; then
              curl() { command curl --fail-with-body --show-error "$@"; }
            else
              curl() { command curl --fail --show-error "$@"; }
            fi
            """;

    @TempDir
    static Path work;
    private static GatewayApplication app;
    private static Path shellDir;

    /** The order the examples build on each other: the README, the example's README, then docs/ by name. */
    static List<String> documents() throws IOException {
        List<String> files = new ArrayList<>(List.of("README.md", "examples/README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.map(p -> "docs/" + p.getFileName()).filter(f -> f.endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    private static List<Block> blocks() throws IOException {
        List<Block> all = new ArrayList<>();
        for (String file : documents()) all.addAll(MarkdownExamples.read(ROOT, file));
        return all;
    }

    private static String preamble() throws IOException {
        List<Block> preambles = blocks().stream().filter(b -> b.kind() == Kind.PREAMBLE).toList();
        assertThat(preambles).as("exactly one preamble, in README.md").hasSize(1);
        assertThat(preambles.getFirst().file()).isEqualTo("README.md");
        return preambles.getFirst().text();
    }

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of(
                "DATA_DIR", work.resolve("data").toString(), "GATEWAY_PORT", "0", "PROXY_PORT", "0",
                "API_KEY_ADMIN", ADMIN_KEY, "API_KEY_CLINIC", CLINIC_KEY), null);
        app = GatewayApplication.start(config);
        shellDir = Files.createDirectories(work.resolve("shell"));
        Files.createSymbolicLink(shellDir.resolve("examples"), ROOT.resolve("examples"));
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @TestFactory
    Stream<DynamicTest> everyShellExampleRunsInOrder() throws IOException {
        String preamble = preamble();
        List<Block> blocks = blocks();
        assertThat(blocks).as("shell examples found").anySatisfy(b -> assertThat(b.kind()).isEqualTo(Kind.RUN));
        return blocks.stream().filter(b -> b.kind() != Kind.PREAMBLE)
                .map(b -> DynamicTest.dynamicTest(b.where(), () -> run(b, preamble)));
    }

    private static void run(Block block, String preamble) throws Exception {
        if (block.kind() == Kind.NOT_RUN) {
            assertRepositoryPathsExist(block);
            Assumptions.abort(block.where() + " not run: " + block.reason());
        }
        for (String tool : OPTIONAL_TOOLS) {
            if (uses(block.text(), tool) && !onPath(tool)) {
                Assumptions.abort(block.where() + " needs " + tool + ", which is not installed on this machine");
            }
        }
        Path script = shellDir.resolve("example.sh");
        Files.writeString(script, PROLOGUE + preamble + "\n" + block.text());
        Path output = shellDir.resolve("example.out");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(shellDir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("GATEWAY_PORT", Integer.toString(app.httpPort()));
        env.put("PROXY_PORT", Integer.toString(app.proxyPort()));
        env.put("API_KEY_ADMIN", ADMIN_KEY);
        env.put("API_KEY_CLINIC", CLINIC_KEY);
        env.put("PSQLRC", "/dev/null");
        env.put("PGCONNECT_TIMEOUT", "10");
        Process process = pb.start();
        if (!process.waitFor(BLOCK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            fail(block.where() + ": still running after " + BLOCK_TIMEOUT + "\n" + block.text() + "--- output:\n" + read(output));
        }
        int status = process.exitValue();
        if (status != 0) {
            fail(block.where() + ": exit status " + status + "\n" + block.text() + "--- output:\n" + read(output));
        }
        List<JsonNode> shown = shownAnswers(block);
        if (shown.isEmpty()) return;
        List<JsonNode> answers = new ArrayList<>();
        try (MappingIterator<JsonNode> values = Json.MAPPER.readerFor(JsonNode.class).readValues(read(output))) {
            while (values.hasNext()) answers.add(values.next());
        } catch (IOException | RuntimeException e) {
            fail(block.where() + ": shows answers, but printed something that is not JSON: " + e.getMessage() + "\n--- output:\n" + read(output));
        }
        for (JsonNode answer : shown) {
            if (answers.stream().noneMatch(a -> matches(answer, a, false))) {
                fail(block.where() + ": no answer like the one shown\n" + answer + "\n--- output:\n" + read(output));
            }
        }
    }

    private static final Pattern SHOWN = Pattern.compile("^\\s*#\\s*(\\{.*})\\s*$");

    /** The {@code # {…}} comment lines of a block, as JSON ({@code ,…} left out). */
    static List<JsonNode> shownAnswers(Block block) {
        List<JsonNode> shown = new ArrayList<>();
        for (String line : block.text().lines().toList()) {
            Matcher m = SHOWN.matcher(line);
            if (!m.matches()) continue;
            String json = m.group(1).replaceAll(",\\s*…", "");
            try {
                shown.add(Json.MAPPER.readTree(json));
            } catch (IOException e) {
                throw new AssertionError(block.where() + ": the answer shown is not JSON: " + line, e);
            }
        }
        return shown;
    }

    /** Every field shown is in the answer; under {@code rows}, with the same values and as many rows. */
    static boolean matches(JsonNode shown, JsonNode answer, boolean exact) {
        if (shown.isObject()) {
            if (!answer.isObject()) return false;
            for (Map.Entry<String, JsonNode> field : shown.properties()) {
                JsonNode value = answer.get(field.getKey());
                if (value == null || !matches(field.getValue(), value, exact || field.getKey().equals("rows"))) return false;
            }
            return true;
        }
        if (shown.isArray()) {
            if (!answer.isArray() || answer.size() < shown.size() || (exact && answer.size() != shown.size())) return false;
            for (int i = 0; i < shown.size(); i++) {
                if (!matches(shown.get(i), answer.get(i), exact)) return false;
            }
            return true;
        }
        return !exact || (shown.isNumber() == answer.isNumber() && shown.isTextual() == answer.isTextual()
                && shown.isBoolean() == answer.isBoolean() && shown.asText().equals(answer.asText()));
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }

    static boolean uses(String text, String tool) {
        return Pattern.compile("(^|[\\s;|&(])" + Pattern.quote(tool) + "(\\s|$)", Pattern.MULTILINE).matcher(text).find();
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** A command the docs show but the test does not run still names only what the repository has ({@code bench/run}). */
    private static void assertRepositoryPathsExist(Block block) {
        for (String line : block.text().lines().toList()) {
            String code = line.replaceAll("(^|\\s)#.*$", "");
            for (String token : code.split("\\s+")) {
                boolean repoPath = (token.startsWith("./") || token.contains("/")) && !token.startsWith("/")
                        && !token.startsWith("-") && !token.contains("=") && !token.contains("$") && !token.contains(":");
                if (repoPath) {
                    assertThat(ROOT.resolve(token)).as(block.where() + " names " + token).exists();
                }
            }
        }
    }

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s#]+)(#[^)\\s]*)?\\)");

    /** Docs refer only to what is in the repository: every relative link resolves. */
    @Test
    void everyRelativeLinkOfTheDocsResolves() throws IOException {
        for (String file : documents()) {
            Path doc = ROOT.resolve(file);
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("[a-z]+:.*")) continue;
                assertThat(doc.getParent().resolve(target)).as(file + " links to " + target).exists();
            }
        }
    }

    @Test
    void anAnswerShownMatchesByFieldAndByValueUnderRows() throws Exception {
        Block block = new Block("doc.md", 1, Kind.RUN, null, """
                curl -s x
                # {"rows":[{"id":1,"name":"Asha"}],"row_count":1,…}
                """);
        JsonNode shown = shownAnswers(block).getFirst();
        assertThat(matches(shown, Json.MAPPER.readTree("{\"rows\":[{\"id\":1,\"name\":\"Asha\",\"born\":null}],\"row_count\":1,\"ms\":3}"), false)).isTrue();
        assertThat(matches(shown, Json.MAPPER.readTree("{\"rows\":[{\"id\":1,\"full_name\":\"Asha\"}],\"row_count\":1}"), false)).isFalse();
        assertThat(matches(shown, Json.MAPPER.readTree("{\"rows\":[{\"id\":1,\"name\":\"Ben\"}],\"row_count\":1}"), false)).isFalse();
        assertThat(matches(shown, Json.MAPPER.readTree("{\"rows\":[{\"id\":\"1\",\"name\":\"Asha\"}],\"row_count\":1}"), false)).isFalse();
        assertThat(matches(shown, Json.MAPPER.readTree("{\"rows\":[],\"row_count\":0}"), false)).isFalse();
        assertThat(matches(shown, Json.MAPPER.readTree("{\"rows\":[{\"id\":1,\"name\":\"Asha\"}],\"row_count\":7}"), false))
                .as("outside rows, fields by name").isTrue();
    }

    @Test
    void toolsAreFoundInCommandsOnly() {
        assertThat(uses("psql -h x", "psql")).isTrue();
        assertThat(uses("curl x | psql", "psql")).isTrue();
        assertThat(uses("echo psqlrc", "psql")).isFalse();
        assertThat(uses("tar -czf", "tar")).isTrue();
        assertThat(uses("start the gateway", "tar")).isFalse();
    }
}
