package dev.tailor.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected values are what CPython 3.11 returns for the same calls. */
class PythonStringsTest {

    @Test void whitespaceIsPythonsNotJavas() {
        assertTrue(PythonStrings.isSpace('\u00a0'));   // ' \xa0'.isspace() -> True
        assertTrue(PythonStrings.isSpace('\u0085'));
        assertTrue(PythonStrings.isSpace('\u3000'));
        assertFalse(PythonStrings.isSpace('\u200b'));  // zero-width space is not whitespace in Python
        assertEquals(List.of("a", "b", "c"), PythonStrings.split("\ta\u00a0 b\u2029c\n"));
        assertEquals(List.of(), PythonStrings.split(" \u202f "));
        assertEquals("x  y", PythonStrings.rstrip("x  y \u00a0\n"));
        assertEquals("a b c", PythonStrings.collapseWhitespace("  a\n\nb \tc "));
    }

    @Test void capitalizeLowersTheRest() {
        assertEquals("Write a python function", PythonStrings.capitalize("write a Python function"));
        assertEquals("Écrire", PythonStrings.capitalize("éCRIRE"));
        assertEquals("3 ways", PythonStrings.capitalize("3 WAYS"));
        assertEquals("", PythonStrings.capitalize(""));
    }
}
