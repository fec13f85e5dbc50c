package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

/** Uniform "file, statement, problem, remedy" errors for the parsers. */
final class ParseErrors {

    private ParseErrors() {
    }

    static BundleException in(BundleFile file, String problem) {
        return new BundleException(file.path() + ": " + problem);
    }

    static BundleException in(BundleFile file, SqlStatement statement, String problem) {
        return new BundleException(file.path() + ": " + problem + " (statement: " + abbreviate(statement.text()) + ")");
    }

    static String abbreviate(String sql) {
        String oneLine = sql.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }
}
