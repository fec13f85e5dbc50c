package org.stonescriptdb.gateway.schema.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Collects entries from an archive or directory and enforces every refusal in one place, so the tar and
 * directory readers cannot drift apart: entry count, uncompressed size, path shape, known folders, file
 * suffix and UTF-8. Link and device entries are refused by the readers through {@link #refuse}.
 */
final class BundleAssembler {

    /** The optional top-level folder an exported bundle is wrapped in. */
    static final String ROOT_FOLDER = "postgresql";
    /** The optional top-level file holding the bundle's version label. */
    static final String VERSION_FILE = "VERSION";
    static final int MAX_LABEL_LENGTH = 100;

    private final BundleLimits limits;
    private final String source;
    private final List<BundleFile> files = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private int entries;
    private long bytes;
    private String label;

    BundleAssembler(BundleLimits limits, String source) {
        this.limits = limits;
        this.source = source;
    }

    BundleException refuse(String entry, String why) {
        return new BundleException("bundle " + source + " refused, nothing deployed: entry '" + entry + "' " + why);
    }

    /** Counts an entry of any type; called before anything else is done with it. */
    void countEntry(String entry) {
        entries++;
        if (entries > limits.maxEntries()) {
            throw refuse(entry, "exceeds the limit of " + limits.maxEntries()
                    + " archive entries; a schema bundle should hold SQL files only, remove the rest");
        }
    }

    void addDirectory(String rawPath) {
        List<String> segments = segments(rawPath);
        // The root folder itself, a known folder, or a sub-folder of one.
        if (segments.isEmpty() || BundleKind.ofFolder(segments.getFirst()).isPresent()) return;
        throw refuse(rawPath, "is a folder outside the known folders " + knownFolders()
                + " (optionally inside " + ROOT_FOLDER + "/); remove it from the bundle");
    }

    void addFile(String rawPath, InputStream content) throws IOException {
        List<String> segments = segments(rawPath);
        if (segments.isEmpty()) throw refuse(rawPath, "has no file name");
        String fileName = segments.getLast();
        if (segments.size() == 1 && fileName.equals(VERSION_FILE)) {
            label = label(rawPath, decodeUtf8(rawPath, readBounded(rawPath, content)));
            return;
        }
        BundleKind kind = segments.size() >= 2 ? BundleKind.ofFolder(segments.getFirst()).orElse(null) : null;
        if (kind == null) {
            throw refuse(rawPath, "is outside the known folders " + knownFolders()
                    + " (optionally inside " + ROOT_FOLDER + "/) and is not the " + VERSION_FILE + " file; move it into one of them or remove it");
        }
        byte[] data = readBounded(rawPath, content);
        // Editors and macOS tar leave hidden files (.gitkeep, ._name AppleDouble); they are never SQL.
        if (fileName.startsWith(".")) return;
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (!(lower.endsWith(".sql") || lower.endsWith(".pssql"))) {
            throw refuse(rawPath, "is not a .sql or .pssql file; only SQL files belong in " + kind.folder() + "/");
        }
        String name = String.join("/", segments.subList(1, segments.size()));
        if (!seen.add(kind.folder() + "/" + name)) {
            throw refuse(rawPath, "appears twice in the archive; keep one copy");
        }
        files.add(new BundleFile(kind, name, decodeUtf8(rawPath, data)));
    }

    Bundle build() {
        return new Bundle(files, label);
    }

    /** One line of printable text, trimmed: what a release pipeline writes (v2.3.0, a commit id). */
    private String label(String rawPath, String text) {
        if (label != null) throw refuse(rawPath, "appears twice in the archive; keep one copy");
        String line = text.strip();
        if (line.isEmpty()) throw refuse(rawPath, "is empty; write the version label (e.g. v2.3.0) in it or remove it");
        if (line.length() > MAX_LABEL_LENGTH || line.codePoints().anyMatch(c -> Character.isISOControl(c))) {
            throw refuse(rawPath, "must be one line of at most " + MAX_LABEL_LENGTH + " printable characters (a version label such as v2.3.0)");
        }
        return line;
    }

    private List<String> segments(String rawPath) {
        if (rawPath.startsWith("/") || rawPath.startsWith("\\") || rawPath.matches("^[A-Za-z]:.*")) {
            throw refuse(rawPath, "has an absolute path; archive paths must be relative");
        }
        List<String> segments = new ArrayList<>();
        for (String s : rawPath.split("[/\\\\]")) {
            if (s.equals("..")) throw refuse(rawPath, "contains '..'; archive paths must stay inside the bundle");
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.indexOf('\0') >= 0) throw refuse(rawPath.replace('\0', '?'), "contains a NUL character");
            segments.add(s);
        }
        if (!segments.isEmpty() && segments.getFirst().equals(ROOT_FOLDER)) segments.removeFirst();
        return segments;
    }

    private byte[] readBounded(String rawPath, InputStream content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = content.read(buffer)) > 0) {
            bytes += n;
            if (bytes > limits.maxUncompressedBytes()) {
                throw refuse(rawPath, "takes the bundle past " + limits.maxUncompressedBytes()
                        + " bytes uncompressed; a schema bundle should be far smaller, check what was packed");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private String decodeUtf8(String rawPath, byte[] data) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (MalformedInputException e) {
            throw refuse(rawPath, "is not valid UTF-8 (bad byte sequence near byte " + firstBadByte(data)
                    + "); save the file as UTF-8");
        } catch (CharacterCodingException e) {
            throw refuse(rawPath, "is not valid UTF-8; save the file as UTF-8");
        }
    }

    private static int firstBadByte(byte[] data) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(data);
        var out = java.nio.CharBuffer.allocate(data.length + 1);
        decoder.decode(in, out, true);
        return in.position();
    }

    private static String knownFolders() {
        StringBuilder s = new StringBuilder();
        for (BundleKind k : BundleKind.values()) s.append(s.isEmpty() ? "" : ", ").append(k.folder()).append('/');
        return s.toString();
    }
}
