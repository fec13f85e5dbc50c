package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.plan.ExtensionSpec;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

/**
 * Which untrusted extensions (those only a superuser may create: {@code dblink}, {@code postgres_fdw}…) a deploy may
 * have installed by another, administrative login when the database lacks them, and how. Deploys run as the
 * database's owner, which may install trusted extensions itself but never these; without an installer
 * ({@link #NONE}) such a bundle is refused until a DBA installs the extension.
 */
public interface UntrustedExtensions {

    /** Installs nothing: every untrusted extension a database lacks is refused. */
    UntrustedExtensions NONE = new UntrustedExtensions() {
        @Override
        public boolean allowed(String extension) {
            return false;
        }

        @Override
        public String login() {
            return "(none)";
        }

        @Override
        public void install(String database, ExtensionSpec extension, Duration lockTimeout) throws SQLException {
            throw new SQLException("no untrusted extension may be installed", DeploySqlState.INSUFFICIENT_PRIVILEGE);
        }
    };

    /** Whether {@code extension} may be installed by {@link #login()}; nothing else ever is. */
    boolean allowed(String extension);

    /** The login that installs, named in logs and failure reports. */
    String login();

    /**
     * Installs {@code extension} in {@code database} as {@link #login()}, in a transaction of its own that is
     * committed when this returns; does nothing when it is already there.
     *
     * @throws SQLException when the login may not (PostgreSQL's own refusal, usually 42501) or cannot connect
     */
    void install(String database, ExtensionSpec extension, Duration lockTimeout) throws SQLException;

    /**
     * Installs the {@code allowed} extensions over {@code connections}, which connect as {@code login} (one
     * connection per installation, closed after it).
     */
    static UntrustedExtensions installedAs(String login, Set<String> allowed, ConnectionSource connections) {
        return new ExtensionInstaller(login, allowed, connections);
    }
}
