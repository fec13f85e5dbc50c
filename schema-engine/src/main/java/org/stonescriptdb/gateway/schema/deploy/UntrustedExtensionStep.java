package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.plan.ExtensionSpec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/**
 * Before the deploy transaction: the bundle's extensions that the database lacks and its owner may not install
 * (untrusted ones) are installed by the administrative login of {@link UntrustedExtensions}, each in a short
 * transaction of its own — if every one of them is allowed; else the deploy is refused before anything is installed.
 * An extension installed here stays when the deploy then fails: it is harmless, and the next deploy finds it.
 */
final class UntrustedExtensionStep {

    private UntrustedExtensionStep() {
    }

    /**
     * @param connection the deploy's connection (the database's owner), in autocommit: no transaction is open yet
     * @return the names of the extensions installed
     */
    static Set<String> apply(Connection connection, String database, List<ExtensionSpec> extensions,
                             UntrustedExtensions untrusted, DeployOptions options) throws SQLException, StepFailure {
        if (extensions.isEmpty()) return Set.of();
        List<ExtensionSpec> needed = needingAnotherLogin(connection, extensions);
        // Every one is checked before any is installed: a deploy that is refused installs nothing.
        for (ExtensionSpec e : needed) {
            if (!untrusted.allowed(e.name())) throw ExtensionStep.notTrusted(e);
        }
        Set<String> installed = new LinkedHashSet<>();
        for (ExtensionSpec e : needed) {
            if (options.dryRun()) {
                throw DeploySession.failure(e.file(), "extension '" + e.name() + "' is not installed in this database yet:"
                        + " a deploy would have the gateway's login " + untrusted.login() + " install it first (UNTRUSTED_EXTENSIONS"
                        + " allows it), but a dry run changes nothing, so it cannot plan past it; deploy, or have a DBA run"
                        + " CREATE EXTENSION " + quote(e.name()) + " in this database, then plan again");
            }
            try {
                untrusted.install(database, e, options.lockTimeout());
            } catch (SQLException x) {
                throw new StepFailure(new DeployFailure(e.file().path(), ExtensionStep.createExtension(e), x.getSQLState(),
                        "extension '" + e.name() + "' is allowed by UNTRUSTED_EXTENSIONS, but the gateway's login "
                                + untrusted.login() + " could not install it in database " + database + ": "
                                + DeploySession.describe(x) + "; have a DBA run CREATE EXTENSION " + quote(e.name())
                                + " in this database once (deploys then find it installed and leave it be), or remove "
                                + e.file().path()), x);
            }
            installed.add(e.name());
        }
        return installed;
    }

    /** Available, not installed, and neither trusted nor installable by a superuser deploying. */
    private static List<ExtensionSpec> needingAnotherLogin(Connection c, List<ExtensionSpec> extensions) throws SQLException {
        Set<String> names = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.name FROM pg_catalog.pg_available_extensions a
                LEFT JOIN pg_catalog.pg_available_extension_versions v ON v.name = a.name AND v.version = a.default_version
                WHERE a.name = ANY (?) AND a.installed_version IS NULL
                  AND NOT coalesce(v.trusted, false)
                  AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)""")) {
            ps.setArray(1, c.createArrayOf("text", extensions.stream().map(ExtensionSpec::name).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) names.add(rs.getString(1));
            }
        }
        List<ExtensionSpec> needed = new ArrayList<>();
        for (ExtensionSpec e : extensions) if (names.contains(e.name())) needed.add(e);
        return needed;
    }
}
