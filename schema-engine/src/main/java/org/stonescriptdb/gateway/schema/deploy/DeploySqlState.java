package org.stonescriptdb.gateway.schema.deploy;

/**
 * The SQLSTATEs a schema deploy raises or reacts to, named once. (This module does not depend on the proxy's
 * {@code protocol.SqlState}; the codes are PostgreSQL's own, so both name the same values.)
 */
final class DeploySqlState {

    /** A statement cut short by {@code statement_timeout} (or a cancel). */
    static final String QUERY_CANCELED = "57014";
    /** A lock not granted within {@code lock_timeout}. */
    static final String LOCK_NOT_AVAILABLE = "55P03";
    /** The login may not do it: PostgreSQL's refusal, or the gateway's for an extension not allowed. */
    static final String INSUFFICIENT_PRIVILEGE = "42501";
    static final String SYNTAX_ERROR = "42601";

    private DeploySqlState() {
    }
}
