package org.stonescriptdb.gateway.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which {@code Accept} headers ask for a streamed (NDJSON) deploy answer. */
class NdjsonAcceptTest {

    @Test
    void ndjsonAmongTheMediaRangesAsksForTheStream() {
        assertThat(NdjsonAnswer.asked(List.of("application/x-ndjson"))).isTrue();
        assertThat(NdjsonAnswer.asked(List.of("Application/X-NDJSON"))).isTrue();
        assertThat(NdjsonAnswer.asked(List.of("application/json;q=0.5, application/x-ndjson"))).isTrue();
        assertThat(NdjsonAnswer.asked(List.of("application/json", " application/x-ndjson ; q=0.9"))).isTrue();
        assertThat(NdjsonAnswer.asked(List.of("application/x-ndjson;q=garbage"))).isTrue();
    }

    @Test
    void anythingElseIsAnsweredWhole() {
        assertThat(NdjsonAnswer.asked(null)).isFalse();
        assertThat(NdjsonAnswer.asked(List.of())).isFalse();
        assertThat(NdjsonAnswer.asked(List.of("*/*"))).as("a client must ask for the stream by name").isFalse();
        assertThat(NdjsonAnswer.asked(List.of("application/json"))).isFalse();
        assertThat(NdjsonAnswer.asked(List.of("text/event-stream"))).isFalse();
        assertThat(NdjsonAnswer.asked(List.of("application/x-ndjson;q=0"))).isFalse();
        assertThat(NdjsonAnswer.asked(List.of("application/x-ndjson-seq"))).isFalse();
    }
}
