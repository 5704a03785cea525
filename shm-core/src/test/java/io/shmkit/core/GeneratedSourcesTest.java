package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The per-primitive classes must be what tools/gen_primitives.py makes of the templates. */
class GeneratedSourcesTest {
    @Test
    void generatedPrimitiveClassesMatchTheirTemplates() throws Exception {
        Path generator = Path.of("../tools/gen_primitives.py").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.exists(generator), "not run from a source checkout");
        Process p;
        try {
            p = new ProcessBuilder("python3", generator.toString(), "--check").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("python3 is not on PATH: cannot run " + generator);
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
    }
}
