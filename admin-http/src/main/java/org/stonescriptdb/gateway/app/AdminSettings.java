package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Settings only the HTTP side-port uses, read like the rest of the configuration (environment, then
 * {@code .env}; a bad value names the variable).
 *
 * @param maxUploadBytes {@code MAX_UPLOAD_MB}: the largest bundle upload; bigger ones are answered 413
 */
public record AdminSettings(long maxUploadBytes) {

    public static final int DEFAULT_MAX_UPLOAD_MB = 50;
    private static final int MAX_MB = 4096;

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
        String v = vars.get("MAX_UPLOAD_MB");
        if (v == null || v.isBlank()) return defaults();
        try {
            int mb = Integer.parseInt(v.strip());
            if (mb >= 1 && mb <= MAX_MB) return new AdminSettings(mb * 1024L * 1024L);
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException("MAX_UPLOAD_MB must be a whole number from 1 to " + MAX_MB + ", got '" + v.strip() + "'");
    }
}
