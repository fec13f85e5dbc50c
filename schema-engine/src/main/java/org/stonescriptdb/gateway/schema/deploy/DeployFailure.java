package org.stonescriptdb.gateway.schema.deploy;

/**
 * Why a database deploy failed. {@code file} and {@code statement} are null when the failure was not caused
 * by a bundle statement (e.g. the connection could not be opened); {@code sqlState} is PostgreSQL's code
 * when the server reported the error.
 */
public record DeployFailure(String file, String statement, String sqlState, String message) {
}
