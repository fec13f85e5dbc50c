package org.stonescriptdb.gateway.testing;

import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

/** The shared test PostgreSQL as the gateway sees it (BackendTarget is proxy-core's, so test-support cannot say it). */
public final class TestBackend {

    private TestBackend() {
    }

    /** The gateway logs in as the superuser with no password (trust). */
    public static BackendTarget target() {
        return new BackendTarget(TestPostgres.HOST, TestPostgres.port(), TestPostgres.MAINTENANCE_DATABASE, TestPostgres.SUPERUSER, "");
    }
}
