package org.stonescriptdb.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one reader of {@code .env} files, for every part of the gateway that is configured by environment variables
 * (syntax in {@code docs/configuration.md}): {@code KEY=value} lines; blank lines and lines starting with {@code #}
 * skipped; an {@code export} prefix allowed; the value is everything after the first {@code =}, stripped, with one
 * pair of matching surrounding quotes removed (nothing else is unquoted or expanded). Any other line is refused,
 * naming the file and the line number, so that a typo does not silently leave a setting at its default.
 */
public final class DotEnv {

    /** The names a shell accepts; they are also all the gateway reads ({@code API_KEY_<PLATFORM>} included). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern EXPORT = Pattern.compile("^export\\s+");

    private DotEnv() {
    }

    /**
     * The variables the process sees: {@code environment}, and those of {@code file} that it does not set. No file
     * (null, absent, or not a regular file) adds nothing.
     */
    public static Map<String, String> withEnvironment(Map<String, String> environment, Path file) {
        Map<String, String> vars = new HashMap<>(read(file));
        vars.putAll(environment);
        return vars;
    }

    /** The variables of {@code file}; none when it is null, absent or not a regular file. */
    public static Map<String, String> read(Path file) {
        if (file == null || !Files.isRegularFile(file)) return Map.of();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(".env: cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
        }
        return parse(lines, file.toString());
    }

    /** Parses the lines of a {@code .env} file; {@code source} names it in errors. A later line wins over an earlier one. */
    public static Map<String, String> parse(List<String> lines, String source) {
        Map<String, String> vars = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            line = EXPORT.matcher(line).replaceFirst("");
            int eq = line.indexOf('=');
            if (eq < 0) {
                // The line itself is not shown: a value pasted on a line of its own may well be a password.
                throw new ConfigException(source + " line " + (i + 1) + " has no '=': expected KEY=value, a comment"
                        + " starting with # or a blank line");
            }
            String name = line.substring(0, eq).strip();
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(source + " line " + (i + 1) + ": '" + name + "' is not a variable name (letters,"
                        + " digits and _, not starting with a digit); expected KEY=value");
            }
            vars.put(name, unquote(line.substring(eq + 1).strip()));
        }
        return vars;
    }

    private static String unquote(String value) {
        if (value.length() >= 2) {
            char first = value.charAt(0);
            if ((first == '"' || first == '\'') && value.charAt(value.length() - 1) == first) {
                return value.substring(1, value.length() - 1);
            }
        }
        return value;
    }
}
