package io.shmkit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JvmProcessTest {

    @Test
    void runsAMainClassAndReportsExitCodeAndOutput() throws Exception {
        try (JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Exit").args("7", "b").start()) {
            assertTrue(p.join(Duration.ofSeconds(60)));
            assertFalse(p.isAlive());
            assertEquals(7, p.exitCode());
            assertTrue(p.output().contains("out:7,b"), p.output());
            assertTrue(p.output().contains("err"), p.output());
            assertEquals(p.output().getBytes().length, p.outputBytes());
        }
    }

    @Test
    void joinTimesOutOnAHungChildAndKillEndsIt() throws Exception {
        try (JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Sleeper").start()) {
            assertFalse(p.join(Duration.ofMillis(200)));
            assertTrue(p.isAlive());
            assertThrows(IllegalStateException.class, p::exitCode);
            p.kill();
            assertTrue(p.join(Duration.ofSeconds(30)));
            assertEquals(137, p.exitCode(), "SIGKILL");
        }
    }

    @Test
    void closeKillsAChildStillRunning() {
        JvmProcess p = JvmProcess.builder("io.shmkit.core.ChildMains$Sleeper").start();
        ProcessHandle handle = ProcessHandle.of(p.pid()).orElseThrow();
        p.close();
        assertFalse(handle.isAlive());
    }

    @Test
    void theCommandUsesThisJvmAndClassPath() {
        var command = JvmProcess.builder(JvmProcessTest.class).jvmOptions("-Xmx32m").args("a").command();
        assertTrue(command.get(0).startsWith(System.getProperty("java.home")), command.toString());
        assertEquals(java.util.List.of("-Xmx32m", "-cp", System.getProperty("java.class.path"), JvmProcessTest.class.getName(), "a"),
                command.subList(1, command.size()));
        JvmProcess inherit = JvmProcess.builder("io.shmkit.core.ChildMains$Exit").args("0").inheritOutput().start();
        try (inherit) {
            assertTrue(inherit.join(Duration.ofSeconds(60)));
            assertEquals(0, inherit.exitCode());
            assertThrows(IllegalStateException.class, inherit::output);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
