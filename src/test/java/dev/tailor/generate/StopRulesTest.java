package dev.tailor.generate;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** End-of-sequence lists, stop strings, streamed text, and seeded sampling through the generator. */
class StopRulesTest {

    /** A toy detokenizer: id i is the two letters of i in base 26 ("aa" = 0), so texts are easy to predict. */
    static final Function<int[], String> LETTERS = ids -> {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append((char) ('a' + id / 26)).append((char) ('a' + id % 26));
        return sb.toString();
    };

    static CausalLM model() { return KvCacheGenerationTest.load("llama"); }

    static final int[] PROMPT = KvCacheGenerationTest.goldenIds("llama", 0, 6);

    /** The greedy continuation with no stop rule: what the stop rules are then applied to. */
    static int[] reference(CausalLM model) {
        return new Generator(model).generate(List.of(PROMPT), 12, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE)
                .generations().getFirst().tokens();
    }

    @Test
    void anyIdOfTheEosListStopsTheSequenceAndStaysOutOfTheText() {
        CausalLM model = model();
        int[] ref = reference(model);
        int at = firstNewAt(ref, 3); // the first position >= 3 whose token has not occurred before it
        int absent = absentFrom(ref, model.config().vocabSize());
        StopRules rules = new StopRules(new int[] {absent, ref[at]}, List.of());
        Generation g = new Generator(model).generate(List.of(PROMPT), 12, SamplingConfig.greedy(), rules, LETTERS, TokenListener.NONE)
                .generations().getFirst();
        assertEquals(FinishReason.EOS, g.finish());
        assertArrayEquals(Arrays.copyOf(ref, at + 1), g.tokens(), "tokens up to and including the end-of-sequence id");
        assertEquals(LETTERS.apply(Arrays.copyOf(ref, at)), g.text());
    }

    @Test
    void aStopStringEndsTheSequenceAndIsNeverStreamed() {
        CausalLM model = model();
        int[] ref = reference(model);
        String full = LETTERS.apply(ref);
        // the stop string spans the end of token 4 and the start of token 5 (chars 9..10), so it completes at token 5
        String stop = full.substring(9, 11);
        int expectedAt = full.indexOf(stop); // it may also occur earlier, by chance: the earliest counts
        int expectedTokens = (expectedAt + 2 + 1) / 2; // tokens of 2 chars needed to cover chars [0, expectedAt + 2)
        StringBuilder streamed = new StringBuilder();
        List<Integer> tokens = new ArrayList<>();
        TokenListener listener = new TokenListener() {
            @Override public boolean onToken(int row, int token, String text) { tokens.add(token); streamed.append(text); return true; }
            @Override public void onFinish(int row, String text, FinishReason finish) { streamed.append(text); }
        };
        Generation g = new Generator(model).generate(List.of(PROMPT), 12, SamplingConfig.greedy(),
                new StopRules(new int[0], List.of("zzzzzz", stop)), LETTERS, listener).generations().getFirst();
        assertEquals(FinishReason.STOP_STRING, g.finish());
        assertEquals(full.substring(0, expectedAt), g.text(), "text cut before the stop string");
        assertEquals(Math.min(expectedTokens, 12), g.tokens().length);
        assertEquals(g.text(), streamed.toString(), "what was streamed is the final text, stop string excluded");
        assertEquals(g.tokens().length, tokens.size(), "one callback per token");
    }

    @Test
    void streamHoldsBackPartialCharactersAndStopStringPrefixes() {
        // 1 -> "a"; 2 then 3 -> "é" (2 alone is an incomplete character: U+FFFD); 4 -> "<"; 5 -> "/s>"
        Function<int[], String> dec = ids -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                switch (ids[i]) {
                    case 1 -> sb.append('a');
                    case 2 -> sb.append(i + 1 < ids.length && ids[i + 1] == 3 ? "é" : "\uFFFD");
                    case 3 -> { }
                    case 4 -> sb.append('<');
                    case 5 -> sb.append("/s>");
                    default -> throw new IllegalArgumentException("id " + ids[i]);
                }
            }
            return sb.toString();
        };
        TextStream s = new TextStream(dec, new StopRules(new int[0], List.of("</s>")));
        assertEquals("a", s.push(1));
        assertEquals("", s.push(2), "incomplete character held back");
        assertEquals("é", s.push(3));
        assertEquals("", s.push(4), "'<' may start '</s>'");
        assertEquals("", s.push(5));
        assertEquals(2, s.stopIndex());
        assertEquals("aé", s.text());
        assertEquals("", s.rest());

        TextStream t = new TextStream(dec, new StopRules(new int[0], List.of("</s>")));
        assertEquals("a", t.push(1));
        assertEquals("", t.push(4));
        assertEquals("<a", t.push(1), "'<a' is no longer a stop string's beginning");
        assertEquals("", t.push(4));
        assertEquals(-1, t.stopIndex());
        assertEquals("<", t.rest(), "held-back text comes out when the sequence ends");
    }

    @Test
    void sameSeedRepeatsAndAnotherSeedDiffers() {
        CausalLM model = model();
        Generator gen = new Generator(model);
        var a = new SamplingConfig(1.0f, 50, 0.95f, 0.01f, 1.1f, 42);
        var b = new SamplingConfig(1.0f, 50, 0.95f, 0.01f, 1.1f, 43);
        int[] first = gen.generate(List.of(PROMPT), 16, a, StopRules.none(), null, TokenListener.NONE).generations().getFirst().tokens();
        int[] again = gen.generate(List.of(PROMPT), 16, a, StopRules.none(), null, TokenListener.NONE).generations().getFirst().tokens();
        int[] other = gen.generate(List.of(PROMPT), 16, b, StopRules.none(), null, TokenListener.NONE).generations().getFirst().tokens();
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other), "16 draws from a near-uniform 256-token model with another seed");
    }

    @Test
    void aListenerCanCancel() {
        CausalLM model = model();
        int[] count = {0};
        Generation g = new Generator(model).generate(List.of(PROMPT), 12, SamplingConfig.greedy(), StopRules.none(), null,
                (row, token, text) -> ++count[0] < 3).generations().getFirst();
        assertEquals(FinishReason.CANCELLED, g.finish());
        assertEquals(3, g.tokens().length);
    }

    @Test
    void eosIdsComeFromConfigAndGenerationConfig(@TempDir Path dir) throws IOException {
        Path base = KvCacheGenerationTest.fixture("llama").resolve("model/config.json");
        String json = Files.readString(base).replaceFirst("\\{", "{\"eos_token_id\": [5, 7],");
        Files.writeString(dir.resolve("config.json"), json);
        ModelConfig config = ModelConfig.load(dir);
        assertArrayEquals(new int[] {5, 7}, StopRules.eosIds(dir, config), "config.json alone");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [7, 9], \"do_sample\": true}");
        assertArrayEquals(new int[] {5, 7, 9}, StopRules.eosIds(dir, config), "union, in order, without repeats");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 11}");
        assertArrayEquals(new int[] {5, 7, 11}, StopRules.eosIds(dir, config));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [3, \"x\"]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StopRules.eosIds(dir, config));
        assertTrue(e.getMessage().contains("generation_config.json") && e.getMessage().contains("eos_token_id[1]"), e.getMessage());
        Files.writeString(dir.resolve("generation_config.json"), "{not json");
        UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> StopRules.eosIds(dir, config));
        assertTrue(u.getMessage().contains("generation_config.json"), u.getMessage());
    }

    @Test
    void stopStringsNeedADecoderAndMayNotBeEmpty() {
        assertThrows(IllegalArgumentException.class, () -> new StopRules(new int[0], List.of("")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Generator(model())
                .generate(List.of(PROMPT), 2, SamplingConfig.greedy(), new StopRules(new int[0], List.of("x")), null, TokenListener.NONE));
        assertTrue(e.getMessage().contains("decoder"), e.getMessage());
    }

    private static int firstNewAt(int[] ref, int from) {
        for (int i = from; i < ref.length; i++) {
            boolean seen = false;
            for (int j = 0; j < i; j++) seen |= ref[j] == ref[i];
            if (!seen) return i;
        }
        throw new IllegalStateException("the reference continuation " + Arrays.toString(ref) + " repeats itself from token " + from);
    }

    private static int absentFrom(int[] ref, int vocab) {
        for (int id = 0; id < vocab; id++) {
            final int candidate = id;
            if (Arrays.stream(ref).noneMatch(t -> t == candidate)) return id;
        }
        throw new IllegalStateException("every id occurs");
    }
}
