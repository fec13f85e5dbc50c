package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;

/** extensions/NAME.sql: the file name is the extension; version and schema come from optional comments. */
public record ExtensionSpec(String name, String version, String schema, BundleFile file) {
}
