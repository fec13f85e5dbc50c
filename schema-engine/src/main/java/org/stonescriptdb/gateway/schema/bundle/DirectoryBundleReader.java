package org.stonescriptdb.gateway.schema.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/** Reads a bundle from a plain directory (CLI and tests), with the same refusals as an archive. */
final class DirectoryBundleReader {

    private DirectoryBundleReader() {
    }

    static Bundle read(Path directory, BundleLimits limits) throws IOException {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw new BundleException("bundle directory " + directory + " does not exist or is not a directory");
        }
        BundleAssembler assembler = new BundleAssembler(limits, directory.toString());
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(directory)) {
            paths = walk.filter(p -> !p.equals(directory)).sorted().toList();
        }
        for (Path p : paths) {
            String name = directory.relativize(p).toString().replace('\\', '/');
            assembler.countEntry(name);
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attrs.isSymbolicLink()) {
                throw assembler.refuse(name, "is a symbolic link; links are not allowed, copy the file itself");
            } else if (attrs.isDirectory()) {
                assembler.addDirectory(name);
            } else if (attrs.isRegularFile()) {
                try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                    assembler.addFile(name, in);
                }
            } else {
                throw assembler.refuse(name, "is a device, socket or FIFO; only folders and SQL files are allowed");
            }
        }
        return assembler.build();
    }
}
