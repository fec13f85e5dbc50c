package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

/**
 * One routine from functions/.
 *
 * @param routineKind "function" or "procedure" (the DROP statement differs)
 * @param signature   identity as PostgreSQL sees it: name and canonical input argument types,
 *                    e.g. {@code find_patient(integer,text)}; also valid SQL for DROP
 * @param header      canonical argument names, modes, defaults and return type; when it changes for the same
 *                    signature, CREATE OR REPLACE is refused by PostgreSQL, so the routine is dropped first
 * @param checksum    normalised checksum of the whole statement
 * @param createSql   the statement as CREATE OR REPLACE, ready to run
 */
public record FunctionSpec(String routineKind, String name, String signature, String header, String checksum,
                           BundleFile file, SqlStatement statement, String createSql) {
}
