package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads extensions/NAME.sql: the file name names the extension; "-- version:" and "-- schema:" are optional. */
final class ExtensionParser {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern VERSION = Pattern.compile("(?im)^\\s*--\\s*version\\s*:\\s*(\\S+)\\s*$");
    private static final Pattern SCHEMA = Pattern.compile("(?im)^\\s*--\\s*schema\\s*:\\s*(\\S+)\\s*$");
    private static final Pattern SAFE_VALUE = Pattern.compile("[A-Za-z0-9_.-]+");

    private ExtensionParser() {
    }

    static ExtensionSpec parse(BundleFile file) {
        String name = file.baseName();
        if (file.name().contains("/") || !NAME.matcher(name).matches()) {
            throw ParseErrors.in(file, "'" + name + "' is not an extension name; name the file after the extension, "
                    + "e.g. extensions/uuid-ossp.sql");
        }
        return new ExtensionSpec(name, option(file, VERSION, "version"), option(file, SCHEMA, "schema"), file);
    }

    private static String option(BundleFile file, Pattern pattern, String what) {
        Matcher m = pattern.matcher(file.sql());
        if (!m.find()) return null;
        String value = m.group(1);
        if (!SAFE_VALUE.matcher(value).matches()) {
            throw ParseErrors.in(file, "-- " + what + ": '" + value + "' may only contain letters, digits, '_', '.' and '-'");
        }
        return value;
    }
}
