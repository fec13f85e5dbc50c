package org.stonescriptdb.gateway.schema.bundle;

import java.util.Locale;
import java.util.Optional;

/** The folders of a bundle, in the order a deploy applies them. */
public enum BundleKind {
    EXTENSIONS, TYPES, MIGRATIONS, TABLES, FUNCTIONS, SEEDERS;

    public String folder() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BundleKind> ofFolder(String folder) {
        for (BundleKind k : values()) if (k.folder().equals(folder)) return Optional.of(k);
        return Optional.empty();
    }
}
