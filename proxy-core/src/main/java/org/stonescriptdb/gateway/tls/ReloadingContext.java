package org.stonescriptdb.gateway.tls;

import org.stonescriptdb.gateway.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A TLS context built from files, rebuilt by {@link #reloadIfChanged()} when one of them changed (its modification
 * time), so a renewed certificate is served to new connections without a restart. A renewal that cannot be loaded (a
 * half-written key, say) keeps the previous context in service and says so in the log.
 *
 * @param <T> the context type (Netty's for the proxy port, the JDK's for the side-port)
 */
public final class ReloadingContext<T> {

    private static final Logger LOG = Logger.getLogger(ReloadingContext.class.getName());

    private final String what;
    private final List<Path> files;
    private final Supplier<T> build;
    private volatile T current;
    private List<FileTime> loadedStamps;

    /**
     * Builds the first context now.
     *
     * @param what  names the context in the log, e.g. "TLS certificate"
     * @param files the files whose change triggers a rebuild (nulls ignored)
     * @param build builds a context from the files; throws {@link ConfigException} when they cannot be used
     */
    ReloadingContext(String what, List<Path> files, Supplier<T> build) {
        this.what = what;
        this.files = files.stream().filter(Objects::nonNull).toList();
        this.build = build;
        this.loadedStamps = stamps();
        this.current = build.get();
    }

    public T current() {
        return current;
    }

    /** Blocking file I/O: never on an event loop. Returns whether a new context is now served. */
    public synchronized boolean reloadIfChanged() {
        List<FileTime> now = stamps();
        if (now.equals(loadedStamps)) return false;
        loadedStamps = now;
        try {
            current = build.get();
            LOG.info(what + " reloaded from " + files.getFirst());
            return true;
        } catch (ConfigException e) {
            // Keep serving the previous one; a half-written renewal is often completed a moment later.
            LOG.warning(what + " files changed but could not be loaded; the previous one stays in use: " + e.getMessage());
            return false;
        }
    }

    private List<FileTime> stamps() {
        List<FileTime> out = new ArrayList<>(files.size());
        for (Path p : files) {
            try {
                out.add(Files.getLastModifiedTime(p));
            } catch (IOException e) {
                out.add(null);
            }
        }
        return out;
    }
}
