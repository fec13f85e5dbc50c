package org.stonescriptdb.gateway.routing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseNameTest {

    @Test
    void mainDatabase() {
        DatabaseName n = DatabaseName.parse("demo_main").orElseThrow();
        assertEquals("demo", n.platform());
        assertNull(n.tenantId());
        assertTrue(n.isMain());
        assertEquals(DatabaseName.main("demo"), n);
        assertEquals("demo_main", n.text());
        assertEquals("demo_main", n.toString());
    }

    @Test
    void tenantDatabase() {
        DatabaseName n = DatabaseName.parse("demo_acme").orElseThrow();
        assertEquals("demo", n.platform());
        assertEquals("acme", n.tenantId());
        assertFalse(n.isMain());
        assertEquals(DatabaseName.tenant("demo", "acme"), n);
    }

    @Test
    void firstUnderscoreSplits() {
        DatabaseName n = DatabaseName.parse("shop2_tenant_42_eu").orElseThrow();
        assertEquals("shop2", n.platform());
        assertEquals("tenant_42_eu", n.tenantId());
        DatabaseName m = DatabaseName.parse("ab_main_x").orElseThrow();
        assertEquals("main_x", m.tenantId(), "only the exact tenant id 'main' is the main database");
        assertEquals("ab__", DatabaseName.parse("ab__").orElseThrow().text());
    }

    @Test
    void roundTrip() {
        for (String name : List.of("demo_main", "demo_acme", "ab_1", "a1b2c3_x_y_z", "p" + "x".repeat(30) + "_" + "t".repeat(30))) {
            Optional<DatabaseName> parsed = DatabaseName.parse(name);
            assertThat(parsed).as(name).isPresent();
            assertEquals(name, parsed.get().text());
            assertEquals(parsed, DatabaseName.parse(parsed.get().text()));
        }
    }

    @Test
    void longestNamesFit() {
        String platform = "p" + "x".repeat(30); // 31
        String tenant = "t".repeat(30);
        DatabaseName n = DatabaseName.tenant(platform, tenant);
        assertEquals(62, n.text().length());
        assertTrue(DatabaseName.parse(n.text()).isPresent());
    }

    @Test
    void nonPlatformNamesAreRefused() {
        for (String name : List.of("postgres", "template1", "template0", "demo", "", "_main", "demo_", "Demo_main", "demo_Main",
                "DEMO_MAIN", "x_main", "x_acme", "1demo_main", "de-mo_main", "demo_ac-me", "demo_acme ", " demo_acme",
                "démo_main", "demo_acmé", "demo_main\0", "p" + "x".repeat(31) + "_main", "demo_" + "t".repeat(31))) {
            assertThat(DatabaseName.parse(name)).as("'%s'", name).isEmpty();
        }
        assertThat(DatabaseName.parse(null)).isEmpty();
    }

    @Test
    void platformIsTwoToThirtyOneCharacters() {
        assertThat(DatabaseName.parse("x_main")).isEmpty();
        assertThat(DatabaseName.parse("xy_main")).isPresent();
        assertThat(DatabaseName.parse("x".repeat(31) + "_main")).isPresent();
        assertThat(DatabaseName.parse("x".repeat(32) + "_main")).isEmpty();
    }

    @Test
    void namesLongerThan63BytesAreRefused() {
        String longName = "demo_" + "a".repeat(59);
        assertEquals(64, longName.length());
        assertThat(DatabaseName.parse(longName)).isEmpty();
        // Multi-byte characters count as bytes, not characters.
        assertThat(DatabaseName.parse("demo_" + "é".repeat(30))).isEmpty();
    }

    @Test
    void constructorRefusesBadParts() {
        assertThatThrownBy(() -> DatabaseName.main("x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad platform name: x");
        assertThatThrownBy(() -> DatabaseName.main("Demo")).hasMessageContaining("bad platform name");
        assertThatThrownBy(() -> DatabaseName.main("de_mo")).hasMessageContaining("bad platform name");
        assertThatThrownBy(() -> DatabaseName.tenant("demo", "")).hasMessageContaining("bad tenant id");
        assertThatThrownBy(() -> DatabaseName.tenant("demo", "main")).hasMessageContaining("bad tenant id: main");
        assertThatThrownBy(() -> DatabaseName.tenant("demo", "ACME")).hasMessageContaining("bad tenant id");
        assertThatThrownBy(() -> DatabaseName.tenant("demo", "t".repeat(31))).hasMessageContaining("bad tenant id");
    }

    @org.junit.jupiter.api.Test
    void theGatewaysOwnControlDatabaseIsNoPlatformDatabase() {
        org.assertj.core.api.Assertions.assertThat(DatabaseName.parse("stonescriptdb_gateway")).isEmpty();
        org.assertj.core.api.Assertions.assertThat(DatabaseName.parse("stonescriptdb_main")).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DatabaseName.main("stonescriptdb"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    }
}
