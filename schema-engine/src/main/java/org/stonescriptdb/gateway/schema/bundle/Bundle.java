package org.stonescriptdb.gateway.schema.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The validated SQL files of a platform's postgresql bundle, grouped by kind. Obtain one with
 * {@link #fromTarGz(InputStream)}, {@link #fromTarGz(byte[])} or {@link #fromDirectory(Path)}; all three
 * apply the same refusals (see {@link BundleAssembler}).
 *
 * @param label the bundle's version label — the text of its top-level {@code VERSION} file (a release tag, a
 *              commit), recorded in every database it is deployed to; null when the bundle has none
 */
public record Bundle(List<BundleFile> files, String label) {

    public Bundle {
        files = files.stream().sorted(Comparator.comparing(BundleFile::kind).thenComparing(BundleFile::name,
                NaturalOrder.INSTANCE)).toList();
    }

    public Bundle(List<BundleFile> files) {
        this(files, null);
    }

    /**
     * SHA-256 over the files (path and text, in path order) and the label: the same schema exported twice — a new
     * tar.gz with new timestamps — has the same checksum. A bundle without a label has the checksum it had before
     * labels existed, so stored versions keep matching.
     */
    public String checksum() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            files.stream().sorted(Comparator.comparing(BundleFile::path)).forEach(f -> {
                digest.update(f.path().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(f.sql().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            });
            if (label != null) {
                digest.update("VERSION".getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(label.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
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
