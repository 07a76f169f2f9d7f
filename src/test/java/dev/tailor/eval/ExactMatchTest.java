package dev.tailor.eval;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static dev.tailor.eval.ExactMatch.Normalization.COLLAPSE_WHITESPACE;
import static dev.tailor.eval.ExactMatch.Normalization.LOWERCASE;
import static dev.tailor.eval.ExactMatch.Normalization.STRIP_ARTICLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExactMatchTest {

    @Test void squadNormalisation() {
        // lower: "the  cat, sat!" -> no punctuation: "the  cat sat" -> articles: "   cat sat" -> "cat sat"
        assertEquals("cat sat", ExactMatch.normalize("The  Cat, sat!", ExactMatch.SQUAD));
        // whole words only: "theatre" and "answer" keep their letters
        assertEquals("theatre answer", ExactMatch.normalize("An theatre, a answer", ExactMatch.SQUAD));
        // punctuation goes before articles, so "the-end" becomes "theend" and survives
        assertEquals("theend", ExactMatch.normalize("the-end", ExactMatch.SQUAD));
        assertTrue(ExactMatch.matches("an apple", "Apple.", ExactMatch.SQUAD));
        assertFalse(ExactMatch.matches("an apple", "Apple.", ExactMatch.NONE));
    }

    @Test void optionsApplyIndependently() {
        var lowerSpace = EnumSet.of(LOWERCASE, COLLAPSE_WHITESPACE);
        assertTrue(ExactMatch.matches("Hello   World ", "hello world", lowerSpace));
        assertFalse(ExactMatch.matches("hello, world", "hello world", lowerSpace));
        // articles without collapsing whitespace leave the spaces where the article was
        assertEquals("  cat", ExactMatch.normalize("a cat", EnumSet.of(STRIP_ARTICLES)));
        assertEquals("The cat", ExactMatch.normalize("The cat", EnumSet.of(STRIP_ARTICLES))); // case-sensitive without LOWERCASE
    }

    @Test void scoreIsThePercentageMatchingAnyReference() {
        // "Paris" = "paris"; "london" matches "London" of two; "x" != "y" -> 2 of 3
        double s = ExactMatch.score(List.of("Paris", "london", "x"),
                List.of(List.of("paris"), List.of("UK", "London"), List.of("y")), ExactMatch.SQUAD);
        assertEquals(200.0 / 3, s, 1e-12);
    }
}
