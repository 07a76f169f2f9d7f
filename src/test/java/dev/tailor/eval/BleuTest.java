package dev.tailor.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BLEU pinned to hand-computed n-gram counts. Each expected score is the closed form from those
 * counts; sacreBLEU 2.6.0 (corpus_bleu / sentence_bleu with defaults) gives the same numbers,
 * quoted in the comments.
 */
class BleuTest {

    @Test void tokenizer13aSplitsSymbolsAndPeriodsNotNextToDigits() {
        assertEquals(List.of("Hello", ",", "world", "!"), Tokenizer13a.tokenize("Hello, world!"));
        assertEquals(List.of("It", "costs", "$", "3.50", "(", "approx", ".", ")", "."), Tokenizer13a.tokenize("It costs $3.50 (approx.)."));
        assertEquals(List.of("1,000", "and", "2", "-", "3", "e-mail", "don't"), Tokenizer13a.tokenize("1,000 and 2-3 e-mail don't"));
        assertEquals(List.of("\"", "hi", "\"", "&", "3", "."), Tokenizer13a.tokenize("&quot;hi&quot; &amp; 3."));
        assertEquals(List.of("a", ".", ".", "b"), Tokenizer13a.tokenize("a..b"));
        // Python's str.split() also splits at no-break and em spaces
        assertEquals(List.of("x", "y", "z"), Tokenizer13a.tokenize("x\u00a0y  \u2003z"));
    }

    @Test void corpusBleuWithExpSmoothingOnAMissingOrder() {
        // hyp: the cat the cat on the mat (7)   ref: the cat is on the mat (6)
        // 1-grams: the 3->2, cat 2->1, on, mat -> 5/7; 2-grams: the cat 2->1, on the, the mat -> 3/6
        // 3-grams: on the mat -> 1/5; 4-grams: 0/4 -> exp smoothing 1/(2*4); BP = 1 (7 >= 6)
        // BLEU = 100 * (5/7 * 3/6 * 1/5 * 1/8)^(1/4) = 100 * 112^(-1/4) = 30.739407647563215 (sacreBLEU)
        Bleu.Score s = Bleu.corpus(List.of("the cat the cat on the mat"), List.of("the cat is on the mat"));
        assertArrayEquals(new long[]{5, 3, 1, 0}, s.correct());
        assertArrayEquals(new long[]{7, 6, 5, 4}, s.total());
        assertEquals(12.5, s.precisions()[3], 1e-12);
        assertEquals(100 * Math.pow(1.0 / 112, 0.25), s.score(), 1e-9);
        assertEquals(1.0, s.bp());
    }

    @Test void corpusSumsStatisticsOverSegmentsAndAppliesTheBrevityPenalty() {
        // 13a tokens: 10 + 8 = 18 hypothesis, 10 + 9 = 19 reference; matches counted by hand:
        // 1-grams 8 + 5 = 13 of 18, 2-grams 5 + 1 = 6 of 16, 3-grams 3 of 14, 4-grams 2 of 12.
        // BLEU = exp(1 - 19/18) * 100 * (13/18 * 6/16 * 3/14 * 2/12)^(1/4) = 29.665969759258196 (sacreBLEU)
        List<String> hyp = List.of("The quick brown fox jumps over the lazy dog.", "It is raining today, isn't it?");
        List<String> ref = List.of("The fast brown fox jumped over the lazy dog.", "Today it is raining, is it not?");
        Bleu.Score s = Bleu.corpus(hyp, ref);
        assertArrayEquals(new long[]{13, 6, 3, 2}, s.correct());
        assertArrayEquals(new long[]{18, 16, 14, 12}, s.total());
        assertEquals(18, s.sysLen());
        assertEquals(19, s.refLen());
        double expected = Math.exp(1 - 19.0 / 18) * 100 * Math.pow(13.0 / 18 * 6.0 / 16 * 3.0 / 14 * 2.0 / 12, 0.25);
        assertEquals(expected, s.score(), 1e-9);
        assertEquals(29.665969759258196, s.score(), 1e-9);
        // lowercased, "It"/"it" and "today"/"Today" also match: sacreBLEU gives 34.33736048996302
        assertEquals(34.33736048996302, Bleu.corpus(hyp, List.of(ref), true).score(), 1e-9);
    }

    @Test void sentenceBleuUsesTheEffectiveOrderAndCorpusDoesNot() {
        // hyp "the cat" vs a 6-token reference: p1 = p2 = 100, no 3- or 4-grams in the hypothesis.
        // corpus (order 4): the missing orders have precision 0 -> BLEU 0 (sacreBLEU: 0.0)
        assertEquals(0.0, Bleu.corpus(List.of("the cat"), List.of("the cat sat on the mat")).score());
        // sentence (effective order 2): BP = exp(1 - 6/2) -> 100 * e^-2 = 13.533528323661276 (sacreBLEU)
        assertEquals(100 * Math.exp(-2), Bleu.sentence("the cat", List.of("the cat sat on the mat")).score(), 1e-9);
    }

    @Test void closestReferenceLengthBreaksTiesTowardTheShorter() {
        // hyp length 4, references of 5 and 3 tokens: both 1 away -> 3, so BP = 1 and every n-gram
        // is in the 5-token reference -> 100 (a tie broken toward 5 would give 100 * e^-0.25)
        Bleu.Score s = Bleu.corpus(List.of("a b c d"), List.of(List.of("a b c d e"), List.of("a b c")), false);
        assertEquals(3, s.refLen());
        assertEquals(100.0, s.score(), 1e-9);
        assertEquals(3, Bleu.closestRefLength(4, new int[]{5, 3}));
        assertEquals(3, Bleu.closestRefLength(4, new int[]{3, 5}));
        assertEquals(7, Bleu.closestRefLength(8, new int[]{2, 7, 10}));
    }

    @Test void edgeCases() {
        assertEquals(100.0, Bleu.corpus(List.of("the cat sat on the mat"), List.of("the cat sat on the mat")).score(), 1e-9);
        Bleu.Score empty = Bleu.corpus(List.of(""), List.of("the cat"));
        assertEquals(0.0, empty.score());
        assertEquals(0.0, empty.bp());
        var ex = assertThrows(IllegalArgumentException.class, () -> Bleu.corpus(List.of("a", "b"), List.of("a")));
        assertTrue(ex.getMessage().contains("1 segments, expected 2"), ex.getMessage());
    }
}
