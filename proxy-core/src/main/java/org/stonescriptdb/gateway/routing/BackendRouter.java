package org.stonescriptdb.gateway.routing;

import org.stonescriptdb.gateway.config.BackendTarget;

import java.util.List;

/**
 * The routing step: which PostgreSQL server a database lives on. Everything that opens a backend connection — a pool
 * for a client's database, the list of databases, a cancel request — asks here, so that several servers can come
 * later without touching the pooling flow. Today there is one ({@link #single}).
 */
public interface BackendRouter {

    /** The server holding {@code database}. */
    BackendTarget route(String database);

    /** Every server, each once: where the databases are listed. */
    List<BackendTarget> targets();

    /** All databases on one server. */
    static BackendRouter single(BackendTarget target) {
        return new SingleServer(target);
    }

    /** One server for every database. */
    record SingleServer(BackendTarget target) implements BackendRouter {

        @Override
        public BackendTarget route(String database) {
            return target;
        }

        @Override
        public List<BackendTarget> targets() {
            return List.of(target);
        }
    }
}
