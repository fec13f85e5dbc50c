package org.stonescriptdb.gateway.registry;

import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.auth.BackendLogins;
import org.stonescriptdb.gateway.auth.ScramClient;
import org.stonescriptdb.gateway.routing.DatabaseName;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Each platform's own PostgreSQL role: every database of the platform belongs to it, and the proxy's pools,
 * {@code /call}, {@code /query} and schema deploys reach those databases as it. The role may log in and nothing more
 * (no superuser, no CREATEDB, no CREATEROLE, no replication, no BYPASSRLS, member of no role), so whatever a
 * platform's client or key holder runs, PostgreSQL's own privileges keep it inside that platform.
 *
 * <p>Passwords are random, set as SCRAM verifiers (never as SQL text), kept in the control database and nowhere
 * else; the API never returns them and the log never shows them. The gateway's own login is made a member of each
 * role, so it can create the platform's databases owned by it.
 */
public final class PlatformRoles implements BackendLogins {

    private static final Logger LOG = Logger.getLogger(PlatformRoles.class.getName());
    /** Role names: this prefix and the platform name ({@code [a-z][a-z0-9]{1,30}}), so always a plain identifier. */
    public static final String ROLE_PREFIX = "ssdb_";
    private static final int SCRAM_ITERATIONS = 4096;
    private static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataSource maintenance;
    private final ControlDatabase control;
    private final Map<String, BackendLogin> byPlatform = new ConcurrentHashMap<>();
    private volatile long lastReloadNanos = System.nanoTime() - MIN_RELOAD_INTERVAL.toNanos();

    /** Platforms whose role failed {@link #requireLeastPrivilege}: refused to clients until a later check passes. */
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    public PlatformRoles(DataSource maintenance, ControlDatabase control) {
        this.maintenance = maintenance;
        this.control = control;
    }

    public static String roleOf(String platform) {
        if (!platform.matches("[a-z][a-z0-9]{1,30}")) throw new IllegalArgumentException("not a platform name: " + platform);
        return ROLE_PREFIX + platform;
    }

    @Override
    public BackendLogin forDatabase(String database) {
        return DatabaseName.parse(database).filter(d -> !refused.containsKey(d.platform())).map(d -> byPlatform.get(d.platform())).orElse(null);
    }

    /** Why the database's platform is not served (its role has privileges the gateway could not take back), or null. */
    @Override
    public String refusal(String database) {
        return DatabaseName.parse(database).map(d -> refused.get(d.platform())).orElse(null);
    }

    /** On a miss, reads the control database again (another gateway instance may have added the platform), at most once a second. */
    @Override
    public CompletableFuture<BackendLogin> lookup(String database) {
        BackendLogin known = forDatabase(database);
        if (known != null || DatabaseName.parse(database).isEmpty()) return CompletableFuture.completedFuture(known);
        if (System.nanoTime() - lastReloadNanos < MIN_RELOAD_INTERVAL.toNanos()) return CompletableFuture.completedFuture(null);
        return CompletableFuture.supplyAsync(() -> {
            try {
                loadAll();
            } catch (SQLException e) {
                LOG.warning("could not read platform logins from the control database: " + e.getMessage());
            }
            return forDatabase(database);
        }, command -> Thread.ofVirtual().name("platform-logins").start(command));
    }

    /** Reads every stored login (at start, and on a miss). */
    public void loadAll() throws SQLException {
        lastReloadNanos = System.nanoTime();
        try (Connection c = control.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT platform, role, password FROM platform_logins")) {
            while (rs.next()) byPlatform.put(rs.getString(1), new BackendLogin(rs.getString(2), rs.getString(3)));
        }
    }

    /**
     * Makes sure the platform's role exists with only the login privilege, that the gateway knows its password and
     * is a member of it; returns its login. Idempotent; safe with other gateway instances doing the same.
     */
    public synchronized BackendLogin ensure(String platform) throws SQLException {
        String role = roleOf(platform);
        BackendLogin stored = storedLogin(platform);
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                ps.setString(1, role);
                try (ResultSet rs = ps.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (exists) {
                // First, before the gateway alters the role in any way: one with more than it should have is not served.
                try {
                    requireLeastPrivilege(c, role);
                    refused.remove(platform);
                } catch (SQLException e) {
                    // The stored login would connect with that much: not served until a later check passes.
                    refused.put(platform, e.getMessage());
                    throw e;
                }
            }
            String password = stored != null && exists ? stored.password() : newPassword();
            String verifier = ScramClient.verifier(password, SCRAM_ITERATIONS);
            if (!exists) {
                s.execute("CREATE ROLE \"" + role + "\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
                        + " PASSWORD '" + verifier + "'");
                LOG.info(() -> "created role " + role + " for platform " + platform);
            } else if (stored == null) {
                s.execute("ALTER ROLE \"" + role + "\" PASSWORD '" + verifier + "'");
                LOG.info(() -> "role " + role + " existed without a password the gateway knows: set a new one");
            }
            if (!usesPrivilegesOf(c, role)) s.execute("GRANT \"" + role + "\" TO CURRENT_USER");
            BackendLogin login = new BackendLogin(role, password);
            if (stored == null || !exists) store(platform, login);
            byPlatform.put(platform, login);
            return login;
        }
    }

    /** Forgets a platform whose databases are all gone (its role stays: a DBA may drop it). */
    public void forget(String platform) {
        byPlatform.remove(platform);
    }

    /**
     * Whether the gateway's login has the role's privileges, which it needs to create and drop the role's databases.
     * Not mere membership: since PostgreSQL 16 a CREATEROLE login that creates a role is made only its administrator
     * (ADMIN OPTION, without INHERIT or SET), a member that may not act as it; its own GRANT then adds a usable one.
     */
    private static boolean usesPrivilegesOf(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_has_role(current_user, ?, 'USAGE')")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * A platform role with more than the login privilege — given by hand, say — is taken back to it; what the gateway
     * cannot take back (it is not a superuser) stops here, naming what a DBA must revoke.
     */
    private static void requireLeastPrivilege(Connection c, String role) throws SQLException {
        List<String> excess = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
                       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid)
                FROM pg_roles r WHERE rolname = ?""")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String[] attributes = {"SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS"};
                for (int i = 0; i < attributes.length; i++) if (rs.getBoolean(i + 1)) excess.add(attributes[i]);
                for (String group : (String[]) rs.getArray(6).getArray()) excess.add("member of " + group);
            }
        }
        if (excess.isEmpty()) return;
        try (Statement s = c.createStatement()) {
            s.execute("ALTER ROLE \"" + role + "\" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
            try (PreparedStatement ps = c.prepareStatement("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
                    + " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = ?")) {
                ps.setString(1, role);
                List<String> groups = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) groups.add(rs.getString(1));
                }
                for (String group : groups) s.execute("REVOKE \"" + group.replace("\"", "\"\"") + "\" FROM \"" + role + "\"");
            }
            LOG.warning("role " + role + " had " + excess + "; taken back to login only");
        } catch (SQLException e) {
            throw new SQLException("platform role " + role + " has " + excess + ", which the gateway could not take back ("
                    + e.getMessage() + "); a superuser must revoke it", SqlState.INSUFFICIENT_PRIVILEGE, e);
        }
    }

    private BackendLogin storedLogin(String platform) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT role, password FROM platform_logins WHERE platform = ?")) {
            ps.setString(1, platform);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new BackendLogin(rs.getString(1), rs.getString(2)) : null;
            }
        }
    }

    private void store(String platform, BackendLogin login) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO platform_logins (platform, role, password) VALUES (?, ?, ?)"
                     + " ON CONFLICT (platform) DO UPDATE SET role = excluded.role, password = excluded.password, updated_at = now()")) {
            ps.setString(1, platform);
            ps.setString(2, login.user());
            ps.setString(3, login.password());
            ps.executeUpdate();
        }
    }

    /** 256 random bits, URL-safe: a password no one has to type. */
    static String newPassword() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
