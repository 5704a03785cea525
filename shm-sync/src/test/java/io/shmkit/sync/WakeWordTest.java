package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.SegmentTestSupport;
import io.shmkit.process.JvmProcess;
import java.time.Duration;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link WakeWordScenarios}, each in a child JVM with native access (this JVM has none, on purpose). */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class WakeWordTest extends SegmentTestSupport {
    @ParameterizedTest
    @ValueSource(strings = {"reannounced-after-wake", "ready-means-no-announcement", "read-only-seqlock-reader"})
    void scenario(String name) throws Exception {
        try (JvmProcess child = JvmProcess.builder(WakeWordScenarios.class)
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED")
                .args(name, dir.path().toString()).captureOutput().start()) {
            child.joinChecked(Duration.ofSeconds(90));
            assertTrue(!child.output().isBlank(), "the scenario reports what it saw");
        }
    }
}
