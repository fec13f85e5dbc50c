package org.stonescriptdb.gateway.examples;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.examples.MarkdownExamples.Block;
import org.stonescriptdb.gateway.examples.MarkdownExamples.Kind;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MarkdownExamplesTest {

    @Test
    void shellBlocksAreExamplesWithTheirLineAndMarker() {
        List<Block> blocks = MarkdownExamples.parse("doc.md", """
                # Title

                <!-- example: preamble -->
                ```sh
                X=1
                ```

                ```json
                {"not": "an example"}
                ```

                ```sh
                echo $X
                echo again
                ```

                <!-- example: not run (needs root) -->
                ```sh
                sudo bench/run
                ```
                ```console
                $ transcript
                ```
                - in a list:

                  <!-- example: not run (needs root) -->
                  ```sh
                  sudo bench/side-by-side "A=1;" \\
                                          "B=2;"
                  ```
                """);

        assertThat(blocks).containsExactly(
                new Block("doc.md", 4, Kind.PREAMBLE, null, "X=1\n"),
                new Block("doc.md", 12, Kind.RUN, null, "echo $X\necho again\n"),
                new Block("doc.md", 18, Kind.NOT_RUN, "needs root", "sudo bench/run\n"),
                new Block("doc.md", 27, Kind.NOT_RUN, "needs root",
                        "sudo bench/side-by-side \"A=1;\" \\\n                        \"B=2;\"\n"));
        assertThat(blocks.get(1).where()).isEqualTo("doc.md:12");
    }

    @Test
    void anUnknownMarkerOrAnUnclosedBlockIsRefused() {
        assertThatThrownBy(() -> MarkdownExamples.parse("doc.md", "<!-- example: skip -->\n```sh\nx\n```\n"))
                .hasMessageContaining("doc.md:1: unknown marker 'skip'");
        assertThatThrownBy(() -> MarkdownExamples.parse("doc.md", "text\n```sh\nx\n"))
                .hasMessageContaining("doc.md:2: code block never closed");
    }
}
