package org.stonescriptdb.gateway.schema.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The validated SQL files of a platform's postgresql bundle, grouped by kind. Obtain one with
 * {@link #fromTarGz(InputStream)}, {@link #fromTarGz(byte[])} or {@link #fromDirectory(Path)}; all three
 * apply the same refusals (see {@link BundleAssembler}).
 */
public record Bundle(List<BundleFile> files) {

    public Bundle {
        files = files.stream().sorted(Comparator.comparing(BundleFile::kind).thenComparing(BundleFile::name,
                NaturalOrder.INSTANCE)).toList();
    }

    public static Bundle fromTarGz(InputStream in) throws IOException {
        return TarGzBundleReader.read(in, BundleLimits.DEFAULT);
    }

    public static Bundle fromTarGz(byte[] archive) throws IOException {
        return fromTarGz(new ByteArrayInputStream(archive));
    }

    public static Bundle fromDirectory(Path directory) throws IOException {
        return DirectoryBundleReader.read(directory, BundleLimits.DEFAULT);
    }

    /** Files of one kind in natural name order (001_a before 010_b, 2_x before 10_x). */
    public List<BundleFile> of(BundleKind kind) {
        return files.stream().filter(f -> f.kind() == kind).toList();
    }
}
