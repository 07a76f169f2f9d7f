package dev.tailor.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ROUGE-L pinned to hand-computed LCS examples (rouge-score's default tokenizer, no stemming). */
class RougeLTest {

    @Test void tokenizerLowercasesAndSplitsOnEveryNonAlphanumericRun() {
        assertEquals(List.of("hello", "world", "it", "s", "2024", "05"), RougeL.tokenize("Hello,  World! It's 2024-05."));
        // é is not in [a-z0-9], so it separates: rouge-score gives "caf", "au", "lait".
        assertEquals(List.of("caf", "au", "lait"), RougeL.tokenize("Café au lait"));
        assertEquals(List.of(), RougeL.tokenize("  ...!!  "));
    }

    @Test void scoreMatchesTheRougeScoreReadmeExample() {
        // target: the quick brown fox jumps over the lazy dog (9 tokens)
        // prediction: the quick brown dog jumps on the log (8 tokens)
        // LCS = the quick brown jumps the = 5 -> P = 5/8, R = 5/9, F = 2PR/(P+R) = 50/85 = 10/17
        RougeL.Score s = RougeL.score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.");
        assertEquals(5.0 / 8, s.precision(), 1e-15);
        assertEquals(5.0 / 9, s.recall(), 1e-15);
        assertEquals(10.0 / 17, s.fmeasure(), 1e-15);
    }

    @Test void lcsHandlesRepeatsAndOrder() {
        // a b a b vs b a b a: LCS 3 (b a b), both lengths 4 -> F = 3/4
        assertEquals(3, RougeL.lcsLength(List.of("a", "b", "a", "b"), List.of("b", "a", "b", "a")));
        assertEquals(0.75, RougeL.score("a b a b", "b a b a").fmeasure(), 1e-15);
        // reversed order shares one token in sequence: LCS 1 of 3 -> F = 1/3
        assertEquals(1.0 / 3, RougeL.score("x y z", "z y x").fmeasure(), 1e-15);
        // odd lengths: 7 vs 33 tokens, the 7 appear in order inside the 33 -> P = 7/33, R = 1
        String small = "a b c d e f g";
        String big = "q a q b q c q d q e q f q g q q q q q q q q q q q q q q q q q q q";
        RougeL.Score s = RougeL.score(small, big);
        assertEquals(7.0 / 33, s.precision(), 1e-15);
        assertEquals(1.0, s.recall(), 1e-15);
        assertEquals(2 * (7.0 / 33) / (7.0 / 33 + 1), s.fmeasure(), 1e-15);
    }

    @Test void emptySidesScoreZeroAsRougeScoreDoes() {
        assertEquals(0.0, RougeL.score("", "abc").fmeasure());
        assertEquals(0.0, RougeL.score("abc", "").fmeasure());
        assertEquals(0.0, RougeL.score("!!!", "???").precision());
        assertEquals(0.0, RougeL.score("abc", "xyz").fmeasure()); // P + R = 0 -> F = 0
    }

    @Test void multiReferenceTakesTheBestReference() {
        // prediction a b c d; ref "a x": LCS 1, P 1/4, R 1/2, F 1/3; ref "a b c e": LCS 3, P = R = 3/4, F 3/4
        assertEquals(0.75, RougeL.maxOverReferences("a b c d", List.of("a x", "a b c e")), 1e-15);
        assertEquals(0.0, RougeL.maxOverReferences("a b c d", List.of()));
        // corpus: mean of 3/4 and 1 (exact match), on the 0-100 scale
        assertEquals(87.5, RougeL.corpus(List.of("a b c d", "hello"), List.of(List.of("a x", "a b c e"), List.of("Hello!"))), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> RougeL.corpus(List.of("a"), List.of()));
    }
}
