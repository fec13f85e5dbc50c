package org.stonescriptdb.gateway.pool;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.BackendTarget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class PoolKeyTest {

    private static final BackendTarget ONE = new BackendTarget("db1", 5432, "postgres", "gateway", "secret");

    @Test
    void theSameDatabaseOnAnEqualServerIsTheSamePoolAfterAReloadBuiltANewTarget() {
        BackendTarget reloaded = new BackendTarget("db1", 5432, "postgres", "gateway", "secret");
        assertEquals(new PoolKey(ONE, "app_main"), new PoolKey(reloaded, "app_main"));
        assertEquals(new PoolKey(ONE, "app_main").hashCode(), new PoolKey(reloaded, "app_main").hashCode());
    }

    @Test
    void aDatabaseOfTheSameNameOnAnotherServerIsAnotherPool() {
        assertNotEquals(new PoolKey(ONE, "app_main"), new PoolKey(ONE.withPort(5433), "app_main"));
        assertNotEquals(new PoolKey(ONE, "app_main"), new PoolKey(ONE, "app_t1"));
    }

    @Test
    void theToStringNamesNoPassword() {
        assertEquals(false, new PoolKey(ONE, "app_main").toString().contains("secret"));
    }
}
