package org.stonescriptdb.gateway.schema;

import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;
import org.stonescriptdb.gateway.schema.deploy.DatabaseDeployer;
import org.stonescriptdb.gateway.schema.deploy.DatabaseResult;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;
import org.stonescriptdb.gateway.schema.deploy.DeployProgress;
import org.stonescriptdb.gateway.schema.deploy.FanOutDeployer;
import org.stonescriptdb.gateway.schema.deploy.FanOutResult;
import org.stonescriptdb.gateway.schema.deploy.UntrustedExtensions;
import org.stonescriptdb.gateway.schema.history.DatabaseInspection;
import org.stonescriptdb.gateway.schema.plan.BundleCompiler;
import org.stonescriptdb.gateway.schema.plan.CompiledBundle;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The schema engine as a library: what admin-http calls for /register, /migrate and the platform API.
 *
 * <pre>{@code
 * SchemaEngine engine = new SchemaEngine(db -> pools.dataSource(db).getConnection());
 * Bundle bundle = Bundle.fromTarGz(uploadStream);            // BundleException: refused, HTTP 400
 * FanOutResult r = engine.deployAll(bundle, "medstore_main", tenantDatabases, DeployOptions.DEFAULT);
 * }</pre>
 *
 * <p>All methods block (run them on virtual threads, never on an event loop), never throw for a database
 * problem — that is reported in the result — and throw {@link BundleException} when the bundle itself cannot be
 * planned. Results are plain records; serialise them with Jackson (snake_case naming gives the documented
 * field names).
 */
public final class SchemaEngine {

    private final ConnectionSource connections;
    private final UntrustedExtensions untrusted;

    /** Deploys over {@code connections}; an untrusted extension a database lacks is refused. */
    public SchemaEngine(ConnectionSource connections) {
        this(connections, UntrustedExtensions.NONE);
    }

    /**
     * @param untrusted which untrusted extensions a database lacks may be installed, and by which login, just
     *                  before a deploy's transaction (the deploy's own connections may not install them)
     */
    public SchemaEngine(ConnectionSource connections, UntrustedExtensions untrusted) {
        this.connections = Objects.requireNonNull(connections, "connections");
        this.untrusted = Objects.requireNonNull(untrusted, "untrusted");
    }

    /** What a deploy to {@code database} would do now: the real transaction, rolled back. */
    public DatabaseResult plan(Bundle bundle, String database, DeployOptions options) {
        return deploy(bundle, database, options.withDryRun(true));
    }

    /** Deploys to one database, all or nothing. */
    public DatabaseResult deploy(Bundle bundle, String database, DeployOptions options) {
        CompiledBundle compiled = BundleCompiler.compile(bundle);
        return new DatabaseDeployer(compiled, untrusted).deploy(connections, database, options, UUID.randomUUID());
    }

    /** Deploys to the main database (canary) and then its tenants, {@code options.parallelism()} at a time. */
    public FanOutResult deployAll(Bundle bundle, String mainDatabase, List<String> tenantDatabases, DeployOptions options) {
        return deployAll(bundle, mainDatabase, tenantDatabases, options, DeployProgress.NONE);
    }

    /**
     * The same, telling {@code progress} each database's result as soon as it is known: main first, then tenants as
     * they finish, from worker threads (see {@link DeployProgress} for what that asks of it).
     */
    public FanOutResult deployAll(Bundle bundle, String mainDatabase, List<String> tenantDatabases, DeployOptions options,
                                  DeployProgress progress) {
        CompiledBundle compiled = BundleCompiler.compile(bundle);
        return new FanOutDeployer(new DatabaseDeployer(compiled, untrusted))
                .deployAll(connections, mainDatabase, List.copyOf(tenantDatabases), options, UUID.randomUUID(),
                        Objects.requireNonNull(progress, "progress"));
    }

    /**
     * Deploys to each database on its own, {@code options.parallelism()} at a time, with no canary (tenants whose main
     * database is not part of this deploy), under one deployment id; {@code progress} as for {@link #deployAll}.
     */
    public FanOutResult deployEach(Bundle bundle, List<String> databases, DeployOptions options, DeployProgress progress) {
        CompiledBundle compiled = BundleCompiler.compile(bundle);
        return new FanOutDeployer(new DatabaseDeployer(compiled, untrusted))
                .deployEach(connections, List.copyOf(databases), options, UUID.randomUUID(),
                        Objects.requireNonNull(progress, "progress"));
    }

    /**
     * Which bundle {@code database} carries and whether its schema drifted since (read only).
     *
     * @throws SQLException when the database cannot be reached or read
     */
    public DatabaseInspection inspect(String database) throws SQLException {
        try (Connection c = connections.open(database)) {
            c.setReadOnly(true);
            return DatabaseInspection.of(c);
        }
    }

    /** Checks a bundle without touching a database: parses every file, orders tables and types. */
    public static CompiledBundle validate(Bundle bundle) {
        return BundleCompiler.compile(bundle);
    }
}
