package io.shmkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentNamesTest extends SegmentTestSupport {

    @ParameterizedTest
    @ValueSource(strings = {"a", "points", "psm_1234abcd", "x.y-z_9", "_hidden_not", "A1.2"})
    void acceptsNamesFromTheDocumentedSet(String name) {
        assertEquals(name, SegmentNames.validate(name));
        assertTrue(SegmentNames.isValid(name));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                 | it is empty",
        "a/b                | a path separator ('/') at index 1",
        "../etc/passwd      | a path separator ('/') at index 2",
        "/dev/shm/x         | a path separator ('/') at index 0",
        "a\\b               | a path separator ('\\') at index 1",
        "a b                | a character outside [A-Za-z0-9._-] (' ') at index 1",
        "a..b               | it contains '..'",
        "..                 | it starts with '.'",
        ".hidden            | it starts with '.'",
        "-rf                | it starts with '-'",
        "naïve              | a character outside [A-Za-z0-9._-] (U+00EF) at index 2",
        "a*                 | a character outside [A-Za-z0-9._-] ('*') at index 1",
    })
    void rejectsEachInvalidClassWithTheReason(String name, String reason) {
        var e = assertThrows(IllegalArgumentException.class, () -> SegmentNames.validate(name));
        assertTrue(e.getMessage().startsWith("invalid segment name '"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(SegmentNames.isValid(name));
    }

    @org.junit.jupiter.api.Test
    void rejectsNulAndShowsItEscaped() {
        var e = assertThrows(IllegalArgumentException.class, () -> SegmentNames.validate("a\0b"));
        assertEquals("invalid segment name 'a\\u0000b': it contains a NUL character (U+0000) at index 1", e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void rejectsOverlongNamesAndNull() {
        String longName = "x".repeat(SegmentNames.MAX_LENGTH + 1);
        var e = assertThrows(IllegalArgumentException.class, () -> SegmentNames.validate(longName));
        assertTrue(e.getMessage().contains("it has 201 characters, at most 200 are allowed"), e.getMessage());
        assertEquals("x".repeat(200), SegmentNames.validate("x".repeat(200)));
        assertThrows(NullPointerException.class, () -> SegmentNames.validate(null));
    }

    @org.junit.jupiter.api.Test
    void everyEntryPointValidatesSoNoPathEscapesTheDirectory() {
        assertThrows(IllegalArgumentException.class, () -> SharedLong.create(dir, "../escape"));
        assertThrows(IllegalArgumentException.class, () -> SharedLong.open(dir, "../escape"));
        assertThrows(IllegalArgumentException.class, () -> dir.unlink("../escape"));
        assertThrows(IllegalArgumentException.class, () -> dir.exists("a/b"));
        assertFalse(java.nio.file.Files.exists(dir.path().resolveSibling("escape")));
    }
}
