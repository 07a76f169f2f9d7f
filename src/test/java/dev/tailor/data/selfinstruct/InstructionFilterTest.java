package dev.tailor.data.selfinstruct;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstructionFilterTest {

    static InstructionFilter filter(String... pool) { return new InstructionFilter(FilterRules.DEFAULT, List.of(pool)); }

    static Rejection why(InstructionFilter f, String instruction) { return f.offer(instruction).rejection(); }

    @Test void wordCountBoundsAreThoseOfTheReferenceCode() {
        InstructionFilter f = filter();
        assertEquals(Rejection.TOO_SHORT, why(f, "Tell me jokes"));           // 3 words: the reference drops <= 3
        assertNull(why(f, "Tell me a joke."));                                // 4 words
        String w150 = "Word " + "x ".repeat(149), w151 = "Word " + "y ".repeat(150);
        assertNull(why(f, w150.strip()));
        assertEquals(Rejection.TOO_LONG, why(f, w151.strip()));
    }

    @Test void bannedWordsMatchWholeWordsIgnoringCase() {
        InstructionFilter f = filter();
        assertEquals(Rejection.BANNED_KEYWORD, why(f, "Describe the image below in detail."));
        assertEquals(Rejection.BANNED_KEYWORD, why(f, "PLOT the values of x against y."));
        assertEquals(Rejection.BANNED_KEYWORD, why(f, "Tell me how to go to the station."));
        assertEquals(Rejection.BANNED_KEYWORD, why(f, "Make a flowchart of the hiring process."));
        assertNull(why(f, "Describe the imagery of this poem."));             // "imagery" is not "image"
        assertNull(why(f, "Explain why profiles matter in hiring decisions.")); // "profiles" contains "file"
    }

    @Test void prefixAndFirstCharacterRules() {
        InstructionFilter f = filter();
        assertEquals(Rejection.BANNED_PREFIX, why(f, "Write a program that sorts numbers."));
        assertEquals(Rejection.STARTS_WITH_PUNCTUATION, why(f, "\"Quote\" this sentence for me please."));
        assertEquals(Rejection.STARTS_WITH_PUNCTUATION, why(f, "- list three sports played outdoors"));
        assertEquals(Rejection.STARTS_WITH_NON_ASCII, why(f, "¿Qué hora es ahora mismo?"));
        assertNull(why(f, "3 reasons to learn a second language."));          // a digit is ASCII and not punctuation
    }

    @Test void similarityAboveSevenTenthsIsRejectedAndExactlySevenIsKept() {
        InstructionFilter f = filter("a b c d e f g h i j");
        // 10 tokens each, LCS 7: P = R = F = 0.7, not above the threshold
        InstructionFilter.Verdict v = f.offer("A b c d e f g x y z");
        assertTrue(v.accepted());
        assertEquals(0.7, v.maxSimilarity(), 1e-15);
        assertEquals("a b c d e f g h i j", v.mostSimilar());
        // against the pool now holding both: LCS 8 of 10 with the first -> F = 0.8
        InstructionFilter.Verdict w = f.offer("A b c d e f g h q r");
        assertEquals(Rejection.TOO_SIMILAR, w.rejection());
        assertEquals(0.8, w.maxSimilarity(), 1e-15);
        assertEquals("a b c d e f g h i j", w.mostSimilar());
    }

    @Test void acceptedInstructionsJoinThePoolAndCountsAddUp() {
        InstructionFilter f = filter("Give me a list of five fruits that are red.");
        assertEquals(Rejection.DUPLICATE, why(f, "give me a list of five fruits that are red."));
        // 10 tokens each, LCS 9 -> F = 0.9
        assertEquals(Rejection.TOO_SIMILAR, why(f, "Give me a list of five fruits that are yellow."));
        assertNull(why(f, "Summarize the plot of a famous novel in two sentences.".replace("plot", "story")));
        assertEquals(Rejection.DUPLICATE, why(f, "Summarize the story of a famous novel in two sentences."));
        assertEquals(Rejection.TOO_SHORT, why(f, "Hi"));
        assertEquals(1, f.acceptedCount());
        assertEquals(2, f.rejectedCounts().get(Rejection.DUPLICATE));
        assertEquals(1, f.rejectedCounts().get(Rejection.TOO_SIMILAR));
        assertEquals(1, f.rejectedCounts().get(Rejection.TOO_SHORT));
        assertEquals(0, f.rejectedCounts().get(Rejection.BANNED_KEYWORD));
        assertEquals(2, f.pool().size());
    }
}
