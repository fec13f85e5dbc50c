package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures of a migration in a new database mean "written for an older shape" (skipped and recorded, since the
 * current schema already has what it did) and which mean a broken migration that must fail the deploy. A malformed
 * migration (a syntax error) or one the login may not run must never be skipped: the database would be recorded as
 * migrated without it.
 */
class OlderShapeErrorsTest {

    @Test
    void aSyntaxErrorOrAMissingPrivilegeIsNeverAnOlderShape() {
        assertThat(MigrationHistory.writtenForAnOlderShape("42601")).as("syntax error").isFalse();
        assertThat(MigrationHistory.writtenForAnOlderShape("42501")).as("insufficient privilege").isFalse();
    }

    @Test
    void objectsThatAlreadyExistOrAreGoneAreAnOlderShape() {
        assertThat(MigrationHistory.writtenForAnOlderShape("42P07")).as("duplicate table").isTrue();
        assertThat(MigrationHistory.writtenForAnOlderShape("42703")).as("undefined column").isTrue();
        assertThat(MigrationHistory.writtenForAnOlderShape("23505")).as("unique violation").isTrue();
        assertThat(MigrationHistory.writtenForAnOlderShape("2BP01")).as("dependent objects still exist").isTrue();
    }

    @Test
    void anythingElseOrNothingIsNot() {
        assertThat(MigrationHistory.writtenForAnOlderShape("57014")).as("statement timeout").isFalse();
        assertThat(MigrationHistory.writtenForAnOlderShape("55P03")).as("lock not available").isFalse();
        assertThat(MigrationHistory.writtenForAnOlderShape(null)).isFalse();
        assertThat(MigrationHistory.writtenForAnOlderShape("42")).isFalse();
    }
}
