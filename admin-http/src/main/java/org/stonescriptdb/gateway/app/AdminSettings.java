package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.config.ConfigException;
import org.stonescriptdb.gateway.config.DotEnv;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
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
 * @param deployLockTimeout   {@code DEPLOY_LOCK_TIMEOUT_MS}: {@code lock_timeout} of each database's deploy; an attempt
 *                            that cannot get its locks in time is rolled back and retried with backoff
 * @param deployStatementTimeout {@code DEPLOY_STATEMENT_TIMEOUT_SECS}: {@code statement_timeout} of a deploy's statements
 * @param deployParallelism   {@code DEPLOY_PARALLELISM}: tenant databases a fan-out deploys at once (one connection
 *                            each); a first deploy is bound by PostgreSQL's CPU, so about two per core
 */
public record AdminSettings(long maxUploadBytes, Set<String> untrustedExtensions, Duration deployLockTimeout,
                            Duration deployStatementTimeout, int deployParallelism) {

    public static final int DEFAULT_MAX_UPLOAD_MB = 50;
    /** A few seconds: a deploy queued behind an application's lock blocks that table's queries while it waits. */
    public static final int DEFAULT_DEPLOY_LOCK_TIMEOUT_MS = 3000;
    public static final int DEFAULT_DEPLOY_STATEMENT_TIMEOUT_SECS = 300;
    public static final int DEFAULT_DEPLOY_PARALLELISM = 4;
    private static final int MAX_DEPLOY_PARALLELISM = 64;
    private static final int MAX_DEPLOY_LOCK_TIMEOUT_MS = 600_000;
    private static final int MAX_DEPLOY_STATEMENT_TIMEOUT_SECS = 86_400;
    private static final int MAX_MB = 4096;
    /** What extension names look like in PostgreSQL's contrib and in the usual packages; also keeps SQL out of it. */
    private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9_-]+");

    public AdminSettings {
        untrustedExtensions = Collections.unmodifiableSet(new TreeSet<>(untrustedExtensions));
    }

    /** Default fan-out parallelism. */
    public AdminSettings(long maxUploadBytes, Set<String> untrustedExtensions, Duration deployLockTimeout,
                         Duration deployStatementTimeout) {
        this(maxUploadBytes, untrustedExtensions, deployLockTimeout, deployStatementTimeout, DEFAULT_DEPLOY_PARALLELISM);
    }

    /** Default deploy timeouts. */
    public AdminSettings(long maxUploadBytes, Set<String> untrustedExtensions) {
        this(maxUploadBytes, untrustedExtensions, Duration.ofMillis(DEFAULT_DEPLOY_LOCK_TIMEOUT_MS),
                Duration.ofSeconds(DEFAULT_DEPLOY_STATEMENT_TIMEOUT_SECS));
    }

    /** No untrusted extension allowed, default deploy timeouts. */
    public AdminSettings(long maxUploadBytes) {
        this(maxUploadBytes, Set.of());
    }

    /** What every deploy of the HTTP side starts from; each endpoint adds its force and dry-run. */
    public DeployOptions deployOptions() {
        return DeployOptions.DEFAULT.withLockTimeout(deployLockTimeout).withStatementTimeout(deployStatementTimeout)
                .withParallelism(deployParallelism);
    }

    public static AdminSettings defaults() {
        return new AdminSettings(DEFAULT_MAX_UPLOAD_MB * 1024L * 1024L);
    }

    /** Reads {@code environment} and, for what it does not set, {@code dotEnv} (none if null or absent). */
    public static AdminSettings load(Map<String, String> environment, Path dotEnv) {
        return load(DotEnv.withEnvironment(environment, dotEnv));
    }

    /** Reads variables already gathered ({@link DotEnv#withEnvironment}). */
    public static AdminSettings load(Map<String, String> vars) {
        return new AdminSettings(maxUploadBytes(vars.get("MAX_UPLOAD_MB")), untrustedExtensions(vars.get("UNTRUSTED_EXTENSIONS")),
                Duration.ofMillis(wholeNumber(vars, "DEPLOY_LOCK_TIMEOUT_MS", DEFAULT_DEPLOY_LOCK_TIMEOUT_MS, MAX_DEPLOY_LOCK_TIMEOUT_MS)),
                Duration.ofSeconds(wholeNumber(vars, "DEPLOY_STATEMENT_TIMEOUT_SECS", DEFAULT_DEPLOY_STATEMENT_TIMEOUT_SECS,
                        MAX_DEPLOY_STATEMENT_TIMEOUT_SECS)),
                wholeNumber(vars, "DEPLOY_PARALLELISM", DEFAULT_DEPLOY_PARALLELISM, MAX_DEPLOY_PARALLELISM));
    }

    /** 1..max; absent or blank is the default. Zero is refused: in PostgreSQL it would mean "wait forever". */
    private static int wholeNumber(Map<String, String> vars, String name, int defaultValue, int max) {
        String v = vars.get(name);
        if (v == null || v.isBlank()) return defaultValue;
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 1 && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ConfigException(name + " must be a whole number from 1 to " + max + ", got '" + v.strip() + "'");
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
