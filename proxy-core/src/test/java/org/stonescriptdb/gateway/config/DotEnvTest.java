package org.stonescriptdb.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DotEnvTest {

    @TempDir
    Path dir;

    private static Map<String, String> parse(String... lines) {
        return DotEnv.parse(List.of(lines), ".env");
    }

    @Test
    void keyValueLines() {
        assertThat(parse("A=1", "B_2=two words", "c=")).containsExactlyInAnyOrderEntriesOf(
                Map.of("A", "1", "B_2", "two words", "c", ""));
    }

    @Test
    void blankLinesAndCommentsAreSkipped() {
        assertThat(parse("", "   ", "# a comment", "   # indented comment", "#A=1", "B=2", "\t")).containsExactly(Map.entry("B", "2"));
    }

    @Test
    void spacesAroundNameAndValueAndLineEndingsAreStripped() {
        assertThat(parse("  A = 1  ", "B=2\r", "\tC\t=\t3")).containsExactlyInAnyOrderEntriesOf(Map.of("A", "1", "B", "2", "C", "3"));
    }

    @Test
    void anExportPrefixIsAllowed() {
        assertThat(parse("export A=1", "export   B = 2", "export\tC=3", "exported=4", "EXPORT_D=5"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("A", "1", "B", "2", "C", "3", "exported", "4", "EXPORT_D", "5"));
    }

    @Test
    void theValueIsEverythingAfterTheFirstEquals() {
        assertThat(parse("DATABASE_URL=postgres://u:p=w@h/d?a=b", "A==", "B=x # not a comment"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("DATABASE_URL", "postgres://u:p=w@h/d?a=b", "A", "=", "B", "x # not a comment"));
    }

    @Test
    void onePairOfMatchingSurroundingQuotesIsRemoved() {
        assertThat(parse("A=\"x y\"", "B='x y'", "C=\"\"", "D=''", "E=\"'x'\"", "F=' x '", "G=\"a=b\""))
                .containsExactlyInAnyOrderEntriesOf(Map.of("A", "x y", "B", "x y", "C", "", "D", "", "E", "'x'", "F", " x ", "G", "a=b"));
    }

    @Test
    void mismatchedOrLoneQuotesAreKept() {
        assertThat(parse("A=\"x'", "B=\"", "C='", "D=x\"", "E=\"x\"y", "F=a\\\"b\\\""))
                .containsExactlyInAnyOrderEntriesOf(Map.of("A", "\"x'", "B", "\"", "C", "'", "D", "x\"", "E", "\"x\"y", "F", "a\\\"b\\\""));
    }

    @Test
    void aLaterLineWins() {
        assertThat(parse("A=1", "A=2")).containsExactly(Map.entry("A", "2"));
    }

    @Test
    void aLineWithoutEqualsNamesItsNumberButNotItsText() {
        assertThatThrownBy(() -> parse("# settings", "A=1", "hunter2"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(".env line 3 has no '=': expected KEY=value, a comment starting with # or a blank line")
                .message().doesNotContain("hunter2");
        assertThatThrownBy(() -> parse("export A")).hasMessageStartingWith(".env line 1 has no '='");
    }

    @Test
    void aLineWithoutAUsableNameNamesItsNumberAndTheName() {
        assertThatThrownBy(() -> parse("A=1", "=novalue"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(".env line 2: '' is not a variable name (letters, digits and _, not starting with a digit); expected KEY=value");
        assertThatThrownBy(() -> parse("PROXY PORT=1")).hasMessageStartingWith(".env line 1: 'PROXY PORT' is not a variable name");
        assertThatThrownBy(() -> parse("1A=1")).hasMessageStartingWith(".env line 1: '1A' is not a variable name");
        assertThatThrownBy(() -> parse("A-B=1")).hasMessageStartingWith(".env line 1: 'A-B' is not a variable name");
        assertThatThrownBy(() -> parse("export =1")).hasMessageStartingWith(".env line 1: '' is not a variable name");
    }

    @Test
    void aFileIsReadAsUtf8AndNamedInErrors() throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "# größe\nNAME=Grüße\r\nexport B='x'\n", StandardCharsets.UTF_8);
        assertThat(DotEnv.read(file)).containsExactlyInAnyOrderEntriesOf(Map.of("NAME", "Grüße", "B", "x"));
        Files.writeString(file, "A=1\nB\n");
        assertThatThrownBy(() -> DotEnv.read(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + " line 2 has no '='");
    }

    @Test
    void noFileIsNoVariables() {
        assertThat(DotEnv.read(null)).isEmpty();
        assertThat(DotEnv.read(dir.resolve("absent.env"))).isEmpty();
        assertThat(DotEnv.read(dir)).as("a directory is not a .env file").isEmpty();
    }

    @Test
    void theEnvironmentWinsOverTheFile() throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "A=file\nB=file\n");
        assertThat(DotEnv.withEnvironment(Map.of("B", "env", "C", "env"), file))
                .containsExactlyInAnyOrderEntriesOf(Map.of("A", "file", "B", "env", "C", "env"));
        assertThat(DotEnv.withEnvironment(Map.of("C", "env"), null)).containsExactly(Map.entry("C", "env"));
    }
}
