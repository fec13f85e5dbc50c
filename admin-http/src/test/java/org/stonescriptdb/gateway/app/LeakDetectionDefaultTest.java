package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway turns Netty's leak detector off unless the operator set a level (tests run it at paranoid). */
class LeakDetectionDefaultTest {

    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(GatewayMain.LEAK_DETECTION_PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) System.clearProperty(GatewayMain.LEAK_DETECTION_PROPERTY);
        else System.setProperty(GatewayMain.LEAK_DETECTION_PROPERTY, saved);
    }

    @Test
    void offWhenNobodyAsked() {
        System.clearProperty(GatewayMain.LEAK_DETECTION_PROPERTY);
        GatewayMain.leakDetectionOffUnlessAsked();
        assertThat(System.getProperty(GatewayMain.LEAK_DETECTION_PROPERTY)).isEqualTo("disabled");
    }

    @Test
    void anOperatorsLevelStays() {
        System.setProperty(GatewayMain.LEAK_DETECTION_PROPERTY, "simple");
        GatewayMain.leakDetectionOffUnlessAsked();
        assertThat(System.getProperty(GatewayMain.LEAK_DETECTION_PROPERTY)).isEqualTo("simple");
    }
}
