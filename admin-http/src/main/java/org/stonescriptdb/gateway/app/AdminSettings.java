package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Settings only the HTTP side-port and its schema deploys use, read like the rest of the configuration
 * (environment, then {@code .env}; a bad value names the variable).
 *
 * @param maxUploadBytes      {@code MAX_UPLOAD_MB}: the largest bundle upload; bigger ones are answered 413
 * @param untrustedExtensions {@code UNTRUSTED_EXTENSIONS}: the untrusted extensions a deploy may have the gateway's
 *                            own login install when a bundle needs one its database lacks; no other ever is
 */
public record AdminSettings(long maxUploadBytes, Set<String> untrustedExtensions) {

    public static final int DEFAULT_MAX_UPLOAD_MB = 50;
    private static final int MAX_MB = 4096;
    /** What extension names look like in PostgreSQL's contrib and in the usual packages; also keeps SQL out of it. */
    private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9_-]+");

    public AdminSettings {
        untrustedExtensions = Collections.unmodifiableSet(new TreeSet<>(untrustedExtensions));
    }

    /** No untrusted extension allowed. */
    public AdminSettings(long maxUploadBytes) {
        this(maxUploadBytes, Set.of());
    }

    public static AdminSettings defaults() {
        return new AdminSettings(DEFAULT_MAX_UPLOAD_MB * 1024L * 1024L);
    }

    public static AdminSettings fromEnvironment() {
        return load(System.getenv(), Path.of(".env"));
    }

    public static AdminSettings load(Map<String, String> environment, Path dotEnv) {
        Map<String, String> vars = new HashMap<>();
        if (dotEnv != null && Files.isRegularFile(dotEnv)) {
            try {
                for (String raw : Files.readAllLines(dotEnv)) {
                    String line = raw.strip();
                    if (line.startsWith("export ")) line = line.substring(7).strip();
                    int eq = line.indexOf('=');
                    if (line.startsWith("#") || eq <= 0) continue;
                    vars.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip().replaceAll("^([\"'])(.*)\\1$", "$2"));
                }
            } catch (IOException e) {
                throw new ConfigException(".env: cannot read " + dotEnv.toAbsolutePath() + ": " + e.getMessage());
            }
        }
        vars.putAll(environment);
        return new AdminSettings(maxUploadBytes(vars.get("MAX_UPLOAD_MB")), untrustedExtensions(vars.get("UNTRUSTED_EXTENSIONS")));
    }

    private static long maxUploadBytes(String v) {
        if (v == null || v.isBlank()) return DEFAULT_MAX_UPLOAD_MB * 1024L * 1024L;
        try {
            int mb = Integer.parseInt(v.strip());
            if (mb >= 1 && mb <= MAX_MB) return mb * 1024L * 1024L;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException("MAX_UPLOAD_MB must be a whole number from 1 to " + MAX_MB + ", got '" + v.strip() + "'");
    }

    /** Comma-separated names; spaces around them and empty items (a trailing comma) are ignored. */
    private static Set<String> untrustedExtensions(String v) {
        Set<String> names = new TreeSet<>();
        if (v == null) return names;
        for (String item : v.split(",", -1)) {
            String name = item.strip();
            if (name.isEmpty()) continue;
            if (!EXTENSION_NAME.matcher(name).matches()) {
                throw new ConfigException("UNTRUSTED_EXTENSIONS must be comma-separated extension names (lower-case letters,"
                        + " digits, '_' and '-'), got '" + name + "'");
            }
            names.add(name);
        }
        return names;
    }
}
