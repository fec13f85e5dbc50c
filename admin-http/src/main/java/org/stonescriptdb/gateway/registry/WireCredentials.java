package org.stonescriptdb.gateway.registry;

import org.stonescriptdb.gateway.auth.ClientCredentials;
import org.stonescriptdb.gateway.auth.ScramVerifier;
import org.stonescriptdb.gateway.auth.WireCredential;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Each platform's wire credentials, kept in the control database as SCRAM verifiers: a password is generated here,
 * returned once to whoever created or rotated it, and never stored, logged or returned again.
 *
 * <p>The proxy reads them from a snapshot of the whole table (a few rows per platform), reloaded at most every
 * {@link #REFRESH_AFTER} and shared by every login, so clients naming any number of platforms cost the control
 * database one query per interval. Changes made through this instance apply at once; another instance sees them
 * within the interval. When the control database cannot be read, the last snapshot keeps serving (no instance can
 * change credentials then either). Grace periods end on time whatever the snapshot's age: expiry is checked at login.
 */
public final class WireCredentials implements ClientCredentials {

    private static final Logger LOG = Logger.getLogger(WireCredentials.class.getName());
    static final Duration REFRESH_AFTER = Duration.ofSeconds(5);
    public static final Duration DEFAULT_GRACE = Duration.ofDays(1);
    public static final Duration MAX_GRACE = Duration.ofDays(30);
    /** PostgreSQL's own default for its verifiers; the client does the stretching, the gateway only HMACs. */
    static final int ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A password handed out once, and what it belongs to. */
    public record Issued(String platform, String user, String password, Instant createdAt, Instant previousValidUntil) {
        @Override
        public String toString() {
            return "Issued[" + platform + "]"; // never the password
        }
    }

    /** What may be shown of a credential: when it was made and until when a retired one still works. */
    public record Summary(Instant createdAt, Instant validUntil) {
    }

    /** The platform already has a current credential (create), or has none (rotate). */
    public static final class Conflict extends Exception {
        Conflict(String message) {
            super(message, null, false, false);
        }
    }

    private record Snapshot(Map<String, List<WireCredential>> byPlatform, long loadedNanos) {
    }

    private final ControlDatabase control;
    private volatile Snapshot snapshot;
    private CompletableFuture<Snapshot> reloading;

    public WireCredentials(ControlDatabase control) {
        this.control = control;
    }

    @Override
    public CompletableFuture<List<WireCredential>> lookup(String platform) {
        Snapshot s = snapshot;
        if (s != null && System.nanoTime() - s.loadedNanos() < REFRESH_AFTER.toNanos()) {
            return CompletableFuture.completedFuture(s.byPlatform().getOrDefault(platform, List.of()));
        }
        return reload().thenApply(loaded -> loaded.byPlatform().getOrDefault(platform, List.of()));
    }

    /** One reload at a time, on a virtual thread; on failure the last snapshot answers, if there is one. */
    private synchronized CompletableFuture<Snapshot> reload() {
        if (reloading != null && !reloading.isDone()) return reloading;
        reloading = CompletableFuture.supplyAsync(() -> {
            try {
                Snapshot loaded = new Snapshot(readAll(), System.nanoTime());
                snapshot = loaded;
                return loaded;
            } catch (SQLException e) {
                Snapshot last = snapshot;
                if (last == null) throw new IllegalStateException("could not read wire credentials from the control database: " + e.getMessage(), e);
                LOG.warning("could not read wire credentials from the control database (the last ones read still serve): " + e.getMessage());
                return last;
            }
        }, command -> Thread.ofVirtual().name("wire-credentials").start(command));
        return reloading;
    }

    private Map<String, List<WireCredential>> readAll() throws SQLException {
        Map<String, List<WireCredential>> all = new HashMap<>();
        try (Connection c = control.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT platform, verifier, valid_until FROM wire_credentials WHERE valid_until IS NULL OR valid_until > now()")) {
            while (rs.next()) {
                ScramVerifier verifier;
                try {
                    verifier = ScramVerifier.parse(rs.getString(2));
                } catch (IllegalArgumentException e) {
                    LOG.warning("a wire credential of platform " + rs.getString(1) + " is not a SCRAM-SHA-256 verifier; ignored");
                    continue;
                }
                Timestamp until = rs.getTimestamp(3);
                all.computeIfAbsent(rs.getString(1), p -> new ArrayList<>()).add(new WireCredential(verifier, until == null ? null : until.toInstant()));
            }
        }
        all.replaceAll((p, list) -> List.copyOf(list));
        return all;
    }

    /** A first password for the platform; {@link Conflict} when it has one (rotate it instead). */
    public Issued create(String platform) throws SQLException, Conflict {
        return change(platform, c -> {
            if (currentVerifier(c, platform) != null) {
                throw new Conflict("platform " + platform + " already has a wire credential; rotate it (POST /platform/" + platform
                        + "/credentials/rotate) or delete it first");
            }
            byte[] salt = new byte[16];
            RANDOM.nextBytes(salt);
            return issue(c, platform, salt, null);
        });
    }

    /**
     * A new password; the current one stays valid for {@code grace} (zero: not at all), and one an earlier rotation
     * retired goes now, so at most two are ever valid. {@link Conflict} when the platform has none to rotate.
     */
    public Issued rotate(String platform, Duration grace) throws SQLException, Conflict {
        return change(platform, c -> {
            ScramVerifier current = currentVerifier(c, platform);
            if (current == null) throw new Conflict("platform " + platform + " has no wire credential to rotate; create one first");
            try (PreparedStatement retire = c.prepareStatement("DELETE FROM wire_credentials WHERE platform = ? AND valid_until IS NOT NULL")) {
                retire.setString(1, platform);
                retire.executeUpdate();
            }
            Instant until;
            try (PreparedStatement keep = c.prepareStatement("UPDATE wire_credentials SET valid_until = now() + make_interval(secs => ?)"
                    + " WHERE platform = ? AND valid_until IS NULL RETURNING valid_until")) {
                keep.setLong(1, grace.toSeconds());
                keep.setString(2, platform);
                try (ResultSet rs = keep.executeQuery()) {
                    rs.next();
                    until = rs.getTimestamp(1).toInstant();
                }
            }
            // The same salt as the one it replaces: one server-first-message then serves both during the grace period.
            return issue(c, platform, current.salt(), until);
        });
    }

    /** Removes every credential of the platform; with {@code CLIENT_AUTH=password} its clients are refused from now. */
    public int delete(String platform) throws SQLException {
        try {
            return change(platform, c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM wire_credentials WHERE platform = ?")) {
                    ps.setString(1, platform);
                    return ps.executeUpdate();
                }
            });
        } catch (Conflict e) {
            throw new AssertionError(e);
        }
    }

    /** The platform's valid credentials, newest first, without anything secret. */
    public List<Summary> list(String platform) throws SQLException {
        List<Summary> out = new ArrayList<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT created_at, valid_until FROM wire_credentials WHERE platform = ?"
                     + " AND (valid_until IS NULL OR valid_until > now()) ORDER BY created_at DESC, id DESC")) {
            ps.setString(1, platform);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp until = rs.getTimestamp(2);
                    out.add(new Summary(rs.getTimestamp(1).toInstant(), until == null ? null : until.toInstant()));
                }
            }
        }
        return out;
    }

    private interface Change<T> {
        T apply(Connection c) throws SQLException, Conflict;
    }

    /** Runs {@code change} in one transaction, serialised per platform across gateway instances, then rereads. */
    private <T> T change(String platform, Change<T> change) throws SQLException, Conflict {
        T result;
        try (Connection c = control.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('wire_credentials:' || ?))")) {
                    lock.setString(1, platform);
                    lock.execute();
                }
                result = change.apply(c);
                c.commit();
            } catch (SQLException | Conflict | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        // This instance's clients see the change at once.
        Snapshot fresh = new Snapshot(readAll(), System.nanoTime());
        snapshot = fresh;
        return result;
    }

    private static ScramVerifier currentVerifier(Connection c, String platform) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT verifier FROM wire_credentials WHERE platform = ? AND valid_until IS NULL"
                + " ORDER BY id DESC LIMIT 1")) {
            ps.setString(1, platform);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? ScramVerifier.parse(rs.getString(1)) : null;
            }
        }
    }

    private static Issued issue(Connection c, String platform, byte[] salt, Instant previousValidUntil) throws SQLException {
        String password = PlatformRoles.newPassword();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO wire_credentials (platform, verifier) VALUES (?, ?) RETURNING created_at")) {
            ps.setString(1, platform);
            ps.setString(2, ScramVerifier.of(password, salt, ITERATIONS).text());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Issued(platform, platform, password, rs.getTimestamp(1).toInstant(), previousValidUntil);
            }
        }
    }
}
