package org.stonescriptdb.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The gateway's command line for CI pipelines ({@code ./gateway pack|register|migrate}): packs a {@code postgresql/}
 * folder into a bundle after the checks the server makes (so a mistake fails before the upload), and registers or
 * migrates it on a gateway, printing each database's result as it finishes.
 *
 * <p>Exit status: 0 when every database took the bundle (or had nothing to do); 1 when one failed, was blocked or
 * skipped, or the gateway refused the request; 2 for a bad command line or a bundle that does not pass the checks.
 */
public final class GatewayCli {

    static final int OK = 0, DEPLOY_FAILED = 1, BAD_INPUT = 2;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE = """
            usage:
              gateway pack <postgresql-folder> <bundle.tar.gz>
              gateway register --url <gateway> --platform <name> [--key <admin key>] [--force] <postgresql-folder | bundle.tar.gz>
              gateway migrate  --url <gateway> --platform <name> [--key <admin key>] [--force] [--dry-run] <postgresql-folder | bundle.tar.gz>
            The key may come from GATEWAY_API_KEY instead of --key. Exit status: 0 all databases took the bundle,
            1 a database failed, was blocked or skipped, or the gateway refused; 2 a bad command line or bundle.""";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    GatewayCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(new GatewayCli(System.out, System.err, System.getenv()).run(args));
    }

    int run(String[] args) {
        if (args.length == 0) return usage("no command");
        try {
            return switch (args[0]) {
                case "pack" -> pack(args);
                case "register", "migrate" -> deploy(args[0], args);
                case "help", "--help", "-h" -> {
                    out.println(USAGE);
                    yield OK;
                }
                default -> usage("unknown command '" + args[0] + "'");
            };
        } catch (BadInput e) {
            err.println(e.getMessage());
            return BAD_INPUT;
        }
    }

    private int usage(String problem) {
        err.println(problem);
        err.println(USAGE);
        return BAD_INPUT;
    }

    private int pack(String[] args) throws BadInput {
        if (args.length != 3) return usage("pack takes a folder and an output file");
        Path folder = Path.of(args[1]);
        byte[] archive = checkedArchive(folder);
        try {
            Files.write(Path.of(args[2]), archive);
        } catch (IOException e) {
            throw new BadInput("could not write " + args[2] + ": " + e.getMessage());
        }
        out.println("packed " + folder + " into " + args[2] + " (" + archive.length + " bytes); it passes the gateway's checks");
        return OK;
    }

    private int deploy(String command, String[] args) throws BadInput {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--url", "--platform", "--key" -> {
                    if (i + 1 >= args.length) return usage(a + " needs a value");
                    options.put(a.substring(2), args[++i]);
                }
                case "--force", "--dry-run" -> options.put(a.substring(2), "true");
                default -> {
                    if (a.startsWith("--")) return usage("unknown option " + a);
                    rest.add(a);
                }
            }
        }
        if (rest.size() != 1) return usage(command + " takes one bundle: a postgresql folder or a .tar.gz");
        if (!options.containsKey("url") || !options.containsKey("platform")) return usage(command + " needs --url and --platform");
        if (command.equals("register") && options.containsKey("dry-run")) return usage("--dry-run is for migrate");
        String key = options.getOrDefault("key", env.get("GATEWAY_API_KEY"));
        Path bundle = Path.of(rest.getFirst());
        byte[] archive = Files.isDirectory(bundle) ? checkedArchive(bundle) : checkedFile(bundle);

        Map<String, String> fields = new TreeMap<>();
        fields.put("platform", options.get("platform"));
        if (options.containsKey("force")) fields.put("force", "true");
        if (options.containsKey("dry-run")) fields.put("dry_run", "true");
        String boundary = "ssdb-" + UUID.randomUUID();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(options.get("url").replaceAll("/+$", "") + "/" + command))
                .header("Accept", "application/x-ndjson")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, fields, archive)));
        if (key != null && !key.isBlank()) request.header("X-API-Key", key);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            return report(response);
        } catch (IOException e) {
            err.println("could not reach the gateway at " + options.get("url") + ": " + e);
            return DEPLOY_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DEPLOY_FAILED;
        }
    }

    /** Prints each database's line as it arrives and the outcome; the exit status from the done line's http_status. */
    private int report(HttpResponse<java.io.InputStream> response) throws IOException {
        String type = response.headers().firstValue("Content-Type").orElse("");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200 || !type.startsWith("application/x-ndjson")) {
                String body = String.join("\n", lines.lines().toList());
                err.println("the gateway refused the request: HTTP " + response.statusCode() + " " + message(body));
                return response.statusCode() == 200 ? OK : DEPLOY_FAILED;
            }
            int failed = 0;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode event = JSON.readTree(line);
                switch (event.path("event").asText()) {
                    case "database" -> {
                        String status = event.path("status").asText();
                        if (!status.equals("applied") && !status.equals("unchanged")) failed++;
                        out.printf("%-40s %-10s %6d ms%s%n", event.path("database").asText(), status, event.path("duration_millis").asLong(),
                                event.has("failure") ? "  " + event.path("failure").path("message").asText() : "");
                    }
                    case "done" -> {
                        int status = event.path("http_status").asInt();
                        out.println("done: HTTP " + status + (event.has("message") ? " — " + event.path("message").asText() : "")
                                + (failed > 0 ? " (" + failed + " database(s) did not take the bundle)" : ""));
                        return status == 200 && failed == 0 ? OK : DEPLOY_FAILED;
                    }
                    default -> { } // heartbeats and anything newer
                }
            }
            err.println("the answer ended without its done line: the connection broke; retry with the deployment_id of the lines above");
            return DEPLOY_FAILED;
        }
    }

    private static String message(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            return json.path("error").asText() + ": " + json.path("message").asText();
        } catch (IOException e) {
            return body.length() > 300 ? body.substring(0, 300) + "…" : body;
        }
    }

    /** The folder as a bundle archive ({@code postgresql/…} entries), after the server's own checks. */
    static byte[] checkedArchive(Path folder) throws BadInput {
        check(() -> Bundle.fromDirectory(folder), folder.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes));
             Stream<Path> walk = Files.walk(folder)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : walk.sorted().toList()) {
                if (!Files.isRegularFile(p)) continue;
                TarArchiveEntry entry = new TarArchiveEntry("postgresql/" + folder.relativize(p).toString().replace('\\', '/'));
                byte[] content = Files.readAllBytes(p);
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new BadInput("could not pack " + folder + ": " + e.getMessage());
        }
        return bytes.toByteArray();
    }

    private static byte[] checkedFile(Path archive) throws BadInput {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(archive);
        } catch (IOException e) {
            throw new BadInput("could not read " + archive + ": " + e.getMessage());
        }
        check(() -> Bundle.fromTarGz(bytes), archive.toString());
        return bytes;
    }

    private interface BundleSource {
        Bundle read() throws IOException;
    }

    /** The checks the server makes on upload: the archive's form, then every file parsed and the tables ordered. */
    private static void check(BundleSource source, String name) throws BadInput {
        try {
            SchemaEngine.validate(source.read());
        } catch (IOException | RuntimeException e) {
            throw new BadInput(name + " is not a bundle the gateway would take: " + e.getMessage());
        }
    }

    private static byte[] multipart(String boundary, Map<String, String> fields, byte[] archive) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        PrintStream w = new PrintStream(body, false, StandardCharsets.UTF_8);
        fields.forEach((name, value) -> w.print("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"));
        w.print("--" + boundary + "\r\nContent-Disposition: form-data; name=\"schema\"; filename=\"postgresql.tar.gz\"\r\n"
                + "Content-Type: application/gzip\r\n\r\n");
        w.flush();
        body.writeBytes(archive);
        w.print("\r\n--" + boundary + "--\r\n");
        w.flush();
        return body.toByteArray();
    }

    /** A command line or bundle the CLI refuses before talking to any gateway. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message, null, false, false);
        }
    }
}
