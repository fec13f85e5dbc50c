package org.stonescriptdb.gateway.schema.testing;

import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The realistic clinic bundle from test resources, and edited copies of it. */
public final class TestBundles {

    private TestBundles() {
    }

    public static Path clinicDirectory() {
        try {
            return Path.of(TestBundles.class.getResource("/bundles/clinic").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Bundle clinic() {
        try {
            return Bundle.fromDirectory(clinicDirectory());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String file(Bundle bundle, String path) {
        return bundle.files().stream().filter(f -> f.path().equals(path)).map(BundleFile::sql).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + path + " in bundle"));
    }

    /** A copy with {@code path} (e.g. "functions/util.pssql") replaced, or added when absent; null content removes it. */
    public static Bundle with(Bundle bundle, String path, String sql) {
        int slash = path.indexOf('/');
        BundleKind kind = BundleKind.ofFolder(path.substring(0, slash)).orElseThrow();
        String name = path.substring(slash + 1);
        List<BundleFile> files = new ArrayList<>();
        for (BundleFile f : bundle.files()) if (!f.path().equals(path)) files.add(f);
        if (sql != null) files.add(new BundleFile(kind, name, sql));
        return new Bundle(files);
    }

    /** A copy where {@code target} in file {@code path} is replaced by {@code replacement}; fails if absent. */
    public static Bundle edit(Bundle bundle, String path, String target, String replacement) {
        String sql = file(bundle, path);
        if (!sql.contains(target)) throw new IllegalArgumentException(path + " does not contain: " + target);
        return with(bundle, path, sql.replace(target, replacement));
    }
}
