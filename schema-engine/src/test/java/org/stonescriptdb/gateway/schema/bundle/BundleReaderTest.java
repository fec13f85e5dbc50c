package org.stonescriptdb.gateway.schema.bundle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.schema.testing.TarBuilder;
import org.stonescriptdb.gateway.schema.testing.TestBundles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BundleReaderTest {

    private static final String FUNCTION = "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;";

    @Test
    void readsArchiveWithTopLevelFolder() throws IOException {
        Bundle b = Bundle.fromTarGz(new TarBuilder()
                .directory("postgresql")
                .directory("postgresql/functions")
                .file("postgresql/functions/one.pssql", FUNCTION)
                .file("postgresql/migrations/10_b.sql", "SELECT 1;")
                .file("postgresql/migrations/2_a.sql", "SELECT 2;")
                .build());
        assertThat(b.of(BundleKind.FUNCTIONS)).extracting(BundleFile::path).containsExactly("functions/one.pssql");
        assertThat(b.of(BundleKind.MIGRATIONS)).extracting(BundleFile::name).containsExactly("2_a.sql", "10_b.sql");
    }

    @Test
    void readsArchiveWithoutTopLevelFolderAndIgnoresHiddenFiles() throws IOException {
        Bundle b = Bundle.fromTarGz(new TarBuilder()
                .file("./functions/one.sql", FUNCTION)
                .file("functions/._one.sql", new byte[]{0, (byte) 0xff})
                .file("tables/.gitkeep", "")
                .build());
        assertThat(b.files()).extracting(BundleFile::path).containsExactly("functions/one.sql");
    }

    @Test
    void archiveAndDirectoryGiveTheSameBundle() throws IOException {
        Bundle fromDirectory = TestBundles.clinic();
        Bundle fromArchive = Bundle.fromTarGz(new TarBuilder().tree(TestBundles.clinicDirectory()).build());
        assertThat(fromArchive).isEqualTo(fromDirectory);
        assertThat(fromDirectory.files()).hasSizeGreaterThan(30);
    }

    @Test
    void stripsUtf8ByteOrderMark() throws IOException {
        Bundle b = Bundle.fromTarGz(new TarBuilder().file("functions/one.sql", "\uFEFF" + FUNCTION).build());
        assertThat(b.files().getFirst().sql()).isEqualTo(FUNCTION);
    }

    @Test
    void refusesParentDirectoryPaths() {
        refused(new TarBuilder().file("postgresql/functions/../../etc/passwd.sql", FUNCTION), "contains '..'");
        refused(new TarBuilder().file("functions\\..\\..\\evil.sql", FUNCTION), "contains '..'");
    }

    @Test
    void refusesAbsolutePaths() {
        refused(new TarBuilder().file("/etc/functions/one.sql", FUNCTION), "absolute path");
        refused(new TarBuilder().file("C:/functions/one.sql", FUNCTION), "absolute path");
    }

    @Test
    void refusesSymbolicAndHardLinks() {
        refused(new TarBuilder().symlink("functions/one.sql", "/etc/passwd"), "is a link");
        refused(new TarBuilder().file("functions/a.sql", FUNCTION).hardlink("functions/b.sql", "functions/a.sql"), "is a link");
    }

    @Test
    void refusesDevicesAndFifos() {
        refused(new TarBuilder().characterDevice("functions/zero.sql"), "device or FIFO");
        refused(new TarBuilder().fifo("functions/pipe.sql"), "device or FIFO");
    }

    @Test
    void refusesMoreThanTenThousandEntries() {
        TarBuilder tar = new TarBuilder();
        for (int i = 0; i <= 10_000; i++) tar.directory("functions/d" + i);
        refused(tar, "exceeds the limit of 10000 archive entries");
    }

    @Test
    void refusesMoreThanFiftyMegabytesUncompressedEvenWhenItCompressesWell() {
        byte[] comment = new byte[26 * 1024 * 1024];
        java.util.Arrays.fill(comment, (byte) ' ');
        byte[] archive = new TarBuilder().file("migrations/1_a.sql", comment).file("migrations/2_b.sql", comment).build();
        assertThat(archive.length).isLessThan(1024 * 1024);
        assertThatThrownBy(() -> Bundle.fromTarGz(archive))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("migrations/2_b.sql")
                .hasMessageContaining("bytes uncompressed");
    }

    @Test
    void refusesFilesOutsideKnownFolders() {
        refused(new TarBuilder().file("postgresql/scripts/run.sql", FUNCTION), "outside the known folders");
        refused(new TarBuilder().file("README.md", "hello"), "outside the known folders");
        refused(new TarBuilder().file("postgresql/functions.sql", FUNCTION), "outside the known folders");
        refused(new TarBuilder().directory("postgresql/docs"), "folder outside the known folders");
    }

    @Test
    void refusesNonSqlFilesInKnownFolders() {
        refused(new TarBuilder().file("functions/notes.txt", "hello"), "not a .sql or .pssql file");
    }

    @Test
    void refusesNonUtf8Sql() {
        byte[] latin1 = "SELECT 'caf\u00e9';".getBytes(StandardCharsets.ISO_8859_1);
        refused(new TarBuilder().file("migrations/1_latin1.sql", latin1), "is not valid UTF-8");
    }

    @Test
    void refusesDuplicateEntries() {
        refused(new TarBuilder().file("functions/a.sql", FUNCTION).file("postgresql/functions/a.sql", FUNCTION), "appears twice");
    }

    @Test
    void refusesSomethingThatIsNotGzip() {
        assertThatThrownBy(() -> Bundle.fromTarGz("not an archive".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BundleException.class).hasMessageContaining("not a gzip file");
    }

    @Test
    void directoryBundleRefusesSymlinks(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("functions"));
        Files.writeString(dir.resolve("functions/one.sql"), FUNCTION);
        Files.createSymbolicLink(dir.resolve("functions/two.sql"), dir.resolve("functions/one.sql"));
        assertThatThrownBy(() -> Bundle.fromDirectory(dir))
                .isInstanceOf(BundleException.class).hasMessageContaining("functions/two.sql").hasMessageContaining("symbolic link");
    }

    @Test
    void directoryBundleRefusesStrayFiles(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("postgresql/functions"));
        Files.writeString(dir.resolve("postgresql/functions/one.sql"), FUNCTION);
        Files.writeString(dir.resolve("postgresql/deploy.sh"), "rm -rf /");
        assertThatThrownBy(() -> Bundle.fromDirectory(dir))
                .isInstanceOf(BundleException.class).hasMessageContaining("deploy.sh").hasMessageContaining("outside the known folders");
    }

    private static void refused(TarBuilder tar, String reason) {
        byte[] archive = tar.build();
        assertThatThrownBy(() -> Bundle.fromTarGz(archive))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("refused, nothing deployed")
                .hasMessageContaining(reason);
    }
}
