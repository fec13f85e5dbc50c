package org.stonescriptdb.gateway.schema.bundle;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads a postgresql.tar.gz upload; never touches the file system. */
final class TarGzBundleReader {

    private TarGzBundleReader() {
    }

    static Bundle read(InputStream in, BundleLimits limits) throws IOException {
        BundleAssembler assembler = new BundleAssembler(limits, "postgresql.tar.gz");
        GzipCompressorInputStream gzip;
        try {
            // Concatenated gzip members are legal and some tools produce them.
            gzip = GzipCompressorInputStream.builder().setInputStream(new BufferedInputStream(in))
                    .setDecompressConcatenated(true).get();
        } catch (IOException e) {
            throw new BundleException("bundle refused, nothing deployed: the upload is not a gzip file ("
                    + e.getMessage() + "); send the postgresql folder as a .tar.gz", e);
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                assembler.countEntry(name);
                if (entry.isSymbolicLink() || entry.isLink()) {
                    throw assembler.refuse(name, "is a link (to '" + entry.getLinkName()
                            + "'); links are not allowed, pack the file itself");
                }
                if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    throw assembler.refuse(name, "is a device or FIFO; only folders and SQL files are allowed");
                }
                if (entry.isDirectory()) {
                    assembler.addDirectory(name);
                } else if (entry.isFile()) {
                    assembler.addFile(name, tar);
                } else {
                    throw assembler.refuse(name, "has an unsupported tar entry type '" + (char) entry.getMode()
                            + "'; only folders and SQL files are allowed");
                }
            }
        } catch (BundleException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new BundleException("bundle refused, nothing deployed: the archive is corrupt or not a tar ("
                    + e.getMessage() + "); re-create it with tar czf", e);
        }
        return assembler.build();
    }
}
