package dev.tailor.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Merges learned on corpora small enough to work out by hand, the exact vocabulary size, and
 * agreement with the tokenizers library's own trainer on a mixed-script corpus.
 */
class BpeTrainerTest {

    private static final List<String> CHAT = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

    private static BpeModel train(String text, int vocabSize, List<String> specials) {
        WordCounts counts = new WordCounts(specials);
        counts.add(text);
        return BpeTrainer.train(counts, vocabSize, specials);
    }

    private static List<String> merges(BpeModel m) {
        return m.merges().stream().map(BpeModel.Merge::toString).toList();
    }

    /**
     * Words: "hug" 1, "Ġhug" 2, "Ġpug" 2, "Ġbun" 1. Pair counts: u g 5 → merge 1. Then h ug 3
     * (1 + 2) → merge 2. Then (Ġ, hug), (p, ug) and (Ġ, p) tie at 2; the smallest left id wins,
     * and 'p' (byte 0x70) sorts before 'Ġ' (U+0120), so p ug; that makes (Ġ, pug) 2, which ties
     * with (Ġ, hug), and hug was made first, so Ġ hug, then Ġ pug. The rest count 1: b u (b < u < Ġ),
     * then Ġ bu (Ġ is a byte symbol, bu a later id), then Ġbu n.
     */
    @Test
    void handWorkedCorpusGivesMergesInOrder() {
        BpeModel m = train("hug hug hug pug pug bun", 264, List.of());
        assertEquals(List.of("u g", "h ug", "p ug", "\u0120 hug", "\u0120 pug", "b u", "\u0120 bu", "\u0120bu n"), merges(m));
        assertEquals(264, m.vocabSize());
        assertEquals(List.of("ug", "hug", "pug", "\u0120hug", "\u0120pug", "bu", "\u0120bu", "\u0120bun"),
                m.vocab().subList(256, 264));
    }

    @Test
    void trainingStopsAtExactlyTheVocabSize() {
        BpeModel m = train("hug hug hug pug pug bun", 3 + 256 + 3, CHAT);
        assertEquals(262, m.vocabSize());
        assertEquals(List.of("u g", "h ug", "p ug"), merges(m));
        assertEquals(CHAT, m.vocab().subList(0, 3));        // special tokens take the first ids
        assertEquals("!", m.vocab().get(3));                 // then the byte symbols from the lowest code point
        assertEquals("\u0143", m.vocab().get(258));
    }

    /** "aaaa": (a, a) counts 3 (overlapping); merging left to right leaves "aa aa", one (aa, aa). */
    @Test
    void overlappingOccurrencesMergeLeftToRight() {
        assertEquals(List.of("a a", "aa aa"), merges(train("aaaa", 258, List.of())));
    }

    @Test
    void vocabSizeBeyondWhatTheTextAllowsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train("hug hug hug pug pug bun", 265, List.of()));
        assertTrue(e.getMessage().contains("out of reach") && e.getMessage().contains("at most 264"), e.getMessage());
    }

    @Test
    void vocabSizeBelowTheAlphabetIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train("abc", 258, CHAT));
        assertTrue(e.getMessage().contains("259"), e.getMessage());
    }

    /** Special tokens are matched whole before the model runs, so their characters teach no merges. */
    @Test
    void specialTokensAreCutOutOfTheText() {
        BpeModel m = train("<|x|>ab<|x|>ab<|x|>", 1 + 256 + 1, List.of("<|x|>"));
        assertEquals(List.of("a b"), merges(m));
        assertThrows(IllegalArgumentException.class, () -> train("<|x|>ab<|x|>ab<|x|>", 1 + 256 + 2, List.of("<|x|>")));
    }

    /**
     * golden_tokenizer.json is the tokenizers library's BpeTrainer (0.23.2, make_bpe_golden.py)
     * on golden_corpus.txt: Shakespeare plus accents, Greek, CJK, emoji, digits, tabs, CRLF and a
     * combining accent. Same vocabulary (id by id) and same merges in the same order.
     */
    @Test
    void matchesTheTokenizersLibraryTrainer() throws IOException {
        String corpus;
        try (InputStream in = getClass().getResourceAsStream("/bpe/golden_corpus.txt")) {
            corpus = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(corpus.contains("\r\n") && corpus.contains("e\u0301"), "golden corpus lost its CRLF or combining accent");
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/bpe/golden_tokenizer.json")) {
            golden = new ObjectMapper().readTree(in).get("model");
        }
        List<String> goldenVocab = new ArrayList<>();
        golden.get("vocab").fields().forEachRemaining(e -> {
            while (goldenVocab.size() <= e.getValue().asInt()) goldenVocab.add(null);
            goldenVocab.set(e.getValue().asInt(), e.getKey());
        });
        List<String> goldenMerges = new ArrayList<>();
        for (JsonNode merge : golden.get("merges")) goldenMerges.add(merge.get(0).asText() + " " + merge.get(1).asText());

        BpeModel m = train(corpus, 700, CHAT);
        assertEquals(700, goldenVocab.size());
        assertFalse(goldenVocab.contains(null));
        assertEquals(goldenVocab, m.vocab());
        assertEquals(goldenMerges, merges(m));
    }

    @Test
    void sameTextGivesTheSameModel() {
        String text = "the cat sat on the mat; the mat sat on the cat. 12 34 1234";
        assertEquals(train(text, 276, CHAT), train(text, 276, CHAT));
    }
}
