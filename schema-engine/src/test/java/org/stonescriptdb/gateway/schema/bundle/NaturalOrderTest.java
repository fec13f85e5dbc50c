package org.stonescriptdb.gateway.schema.bundle;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NaturalOrderTest {

    @Test
    void digitRunsCompareByValue() {
        List<String> names = new ArrayList<>(List.of("10_c.sql", "2_b.sql", "001_a.sql", "1_z.sql", "002_a.sql", "b.sql", "a.sql"));
        names.sort(NaturalOrder.INSTANCE);
        assertThat(names).containsExactly("001_a.sql", "1_z.sql", "002_a.sql", "2_b.sql", "10_c.sql", "a.sql", "b.sql");
    }
}
