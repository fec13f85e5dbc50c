package org.stonescriptdb.gateway.schema.sql;

/** The SQL text cannot be tokenised (an unterminated quote or comment). */
public final class SqlSyntaxException extends RuntimeException {
    public SqlSyntaxException(String message) {
        super(message);
    }
}
