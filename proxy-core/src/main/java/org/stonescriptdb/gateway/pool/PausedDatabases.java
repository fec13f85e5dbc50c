package org.stonescriptdb.gateway.pool;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The databases the admin console paused ({@code PAUSE db}), and whether it paused all of them ({@code PAUSE}). Used
 * under {@link PoolManager}'s lock.
 */
final class PausedDatabases {

    private final Set<String> databases = new HashSet<>();
    private boolean all;

    /** Pauses {@code database}; null pauses every database. */
    void pause(String database) {
        if (database == null) all = true;
        else databases.add(database);
    }

    /** Ends the pause of {@code database}; null ends every pause. */
    void resume(String database) {
        if (database == null) {
            all = false;
            databases.clear();
        } else {
            databases.remove(database);
        }
    }

    boolean isPaused(BackendPool pool) {
        return all || (!databases.isEmpty() && databases.contains(pool.database));
    }

    /** The paused databases, sorted, with "*" for a pause of every database. */
    Set<String> names() {
        Set<String> out = new TreeSet<>(databases);
        if (all) out.add("*");
        return out;
    }
}
