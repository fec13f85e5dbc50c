package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.plan.ExtensionSpec;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.literal;
import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/** Installs missing extensions first, so later steps can use their types and functions. */
final class ExtensionStep {

    private ExtensionStep() {
    }

    /**
     * A trusted extension (pgcrypto, citext, hstore…) installs as the database's owner; any other needs a superuser.
     * Asked beforehand so the refusal names the way out instead of PostgreSQL's bare 42501.
     */
    private static boolean mayInstall(DeploySession s, String extension) throws SQLException {
        try (PreparedStatement ps = s.connection.prepareStatement("""
                SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
                    OR coalesce((SELECT v.trusted FROM pg_catalog.pg_available_extension_versions v
                                 JOIN pg_catalog.pg_available_extensions a ON a.name = v.name AND a.default_version = v.version
                                 WHERE v.name = ?), false)""")) {
            ps.setString(1, extension);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * @param installedFirst extensions the {@link UntrustedExtensionStep} had installed just before this transaction:
     *                       reported as created by this deploy, though they are no part of its transaction
     */
    static void apply(DeploySession s, List<ExtensionSpec> extensions, Set<String> installedFirst) throws SQLException, StepFailure {
        if (extensions.isEmpty()) return;
        Set<String> installed = new HashSet<>();
        Set<String> available = new HashSet<>();
        try (Statement st = s.connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, installed_version IS NOT NULL FROM pg_available_extensions")) {
            while (rs.next()) {
                available.add(rs.getString(1));
                if (rs.getBoolean(2)) installed.add(rs.getString(1));
            }
        }
        for (ExtensionSpec e : extensions) {
            if (installed.contains(e.name())) {
                if (installedFirst.contains(e.name())) s.record("extension", e.name(), "created", e.file(), null, e.version());
                continue;
            }
            if (!available.contains(e.name())) {
                throw DeploySession.failure(e.file(), "extension '" + e.name() + "' is not available on this PostgreSQL "
                        + "server (pg_available_extensions does not list it); install its package on the server "
                        + "or remove " + e.file().path());
            }
            // Normally refused before the transaction (UntrustedExtensionStep); asked again in case it was dropped since.
            if (!mayInstall(s, e.name())) throw notTrusted(e);
            if (e.schema() != null) s.execute(e.file(), "CREATE SCHEMA IF NOT EXISTS " + quote(e.schema()));
            s.execute(e.file(), createExtension(e));
            s.record("extension", e.name(), "created", e.file(), null, e.version());
        }
    }

    /** {@code CREATE EXTENSION IF NOT EXISTS} with the bundle's schema and version, when it names them. */
    static String createExtension(ExtensionSpec e) {
        return "CREATE EXTENSION IF NOT EXISTS " + quote(e.name())
                + (e.schema() == null ? "" : " WITH SCHEMA " + quote(e.schema()))
                + (e.version() == null ? "" : " VERSION " + literal(e.version()));
    }

    /** The refusal of an untrusted extension the deploy may not have installed, with both ways out. */
    static StepFailure notTrusted(ExtensionSpec e) {
        return DeploySession.failure(e.file(), "extension '" + e.name() + "' is not trusted: only a superuser may install"
                + " it, and deploys run as the platform's own role; list it in UNTRUSTED_EXTENSIONS to have the gateway"
                + " install it with its own login, or have a DBA run CREATE EXTENSION " + quote(e.name())
                + " in this database once (deploys then find it installed and leave it be), or remove " + e.file().path());
    }
}
