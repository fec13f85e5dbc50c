package org.stonescriptdb.gateway.schema.bundle;

/**
 * One SQL file of a bundle. {@code name} is the path below its kind's folder (e.g. {@code 001_init.pssql}),
 * {@code path} the bundle-relative path used in reports (e.g. {@code migrations/001_init.pssql}).
 */
public record BundleFile(BundleKind kind, String name, String sql) {

    public String path() {
        return kind.folder() + "/" + name;
    }

    /** The file name without folder and without its .sql/.pssql suffix. */
    public String baseName() {
        String last = name.substring(name.lastIndexOf('/') + 1);
        return last.substring(0, last.lastIndexOf('.'));
    }
}
