package io.shmkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shmkit.core.ProcessLiveness;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Process identity and liveness, against real processes; the liveness rules read Linux's /proc. */
@EnabledOnOs(value = OS.LINUX, disabledReason = "process start tags and zombies are read from Linux's /proc")
class OwnersTest {
    @Test
    void thisProcessIsAliveUnderItsOwnKeyAndDeadUnderAnotherStartTag() {
        assertEquals(ProcessHandle.current().pid(), Owners.pid(Owners.SELF_KEY));
        assertTrue(Owners.isOwnerAlive(Owners.SELF_KEY));
        assertTrue(Owners.isSlotAlive(Owners.SELF_SLOT | 1));
        // a process that had our pid before us: the pid alone would call it alive
        assertFalse(Owners.isOwnerAlive(Owners.ownerKey(Owners.SELF_PID, Owners.SELF_TAG + 1)));
        assertFalse(Owners.isSlotAlive(Owners.slotIdentity(Owners.SELF_PID, Owners.SELF_TAG + 1) | 1));
    }

    @Test
    void aProcessIsAliveWhileItRunsAndDeadOnceKilled() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            long ticks = ProcessLiveness.startTicks(sleeper.pid());
            assertTrue(ticks >= 0, "a running process's start time was not read: " + ticks);
            int tag = (int) ticks;
            long key = Owners.ownerKey(sleeper.pid(), tag);
            assertTrue(Owners.isOwnerAlive(key));
            assertFalse(Owners.isOwnerAlive(Owners.ownerKey(sleeper.pid(), tag + 1)), "same pid, other start: a reused pid");
            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
            assertFalse(Owners.isOwnerAlive(key));
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aZombieThatNobodyReapedCountsAsDead() throws Exception {
        // a parent that forks a child which exits at once, and never waits for it (a shell may reap
        // a finished background job before it execs, so the zombie must come from a program that never waits)
        Process shell = new ProcessBuilder("python3", "-c",
                "import os, sys, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)").start();
        try {
            long zombie;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream()))) {
                zombie = Long.parseLong(out.readLine().trim());
                Path stat = Path.of("/proc", Long.toString(zombie), "stat");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(stat).substring(Files.readString(stat).lastIndexOf(')') + 2).startsWith("Z")) {
                    assertTrue(System.nanoTime() < deadline, "no zombie appeared");
                    Thread.sleep(5);
                }
            }
            assertTrue(Files.exists(Path.of("/proc", Long.toString(zombie))), "the zombie still has a /proc entry");
            assertEquals(ProcessLiveness.DEAD, ProcessLiveness.startTicks(zombie), "a zombie was read as alive");
        } finally {
            shell.destroyForcibly();
            shell.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPidThatNeverExistedIsDead() throws Exception {
        long pidMax;
        try (var in = new java.io.FileInputStream("/proc/sys/kernel/pid_max")) { // procfs: read sequentially
            pidMax = Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim());
        }
        long pid = pidMax - 1;
        while (Files.exists(Path.of("/proc", Long.toString(pid)))) {
            pid--;
        }
        assertFalse(Owners.isOwnerAlive(Owners.ownerKey(pid, 12345)));
    }
}
