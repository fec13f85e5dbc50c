package org.stonescriptdb.gateway.schema.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the benchmark only when asked: -Dbench.databases=100 [-Dbench.parallelism=4]. */
class SchemaEngineBenchmarkTest {

    @Test
    @EnabledIfSystemProperty(named = "bench.databases", matches = "\\d+")
    void benchmark() {
        int databases = Integer.getInteger("bench.databases");
        int parallelism = Integer.getInteger("bench.parallelism", 4);
        String report = SchemaEngineBenchmark.run(databases, parallelism);
        System.out.println(report);
        assertThat(report).contains("unchanged re-deploy");
    }
}
