package dev.tailor.tokenizer;

import static dev.tailor.tokenizer.TokenizerFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every line of {@code <name>/goldens.jsonl} (94 tricky strings per tokenizer, recorded with
 * transformers.js 4.3.1 on the same tokenizer files; see tokenizers/README.md): ids with and
 * without special tokens, token strings, and the three decodes must match exactly.
 */
class TokenizerConformanceTest {

    static List<String> names() {
        return TokenizerFixtures.NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyGoldenLineMatches(String name) throws IOException {
        Tokenizer tok = TokenizerFixtures.tokenizer(name);
        List<JsonNode> rows = TokenizerFixtures.jsonl(TokenizerFixtures.folder(name).resolve("goldens.jsonl"));
        assertEquals(94, rows.size(), name + ": golden rows");
        List<String> failures = new ArrayList<>();
        for (JsonNode row : rows) {
            String text = row.get("text").asText();
            int[] withSpecial = ints(row.get("ids_with_special"));
            int[] noSpecial = ints(row.get("ids_no_special"));
            String where = name + " row " + row.get("id").asText() + " (" + row.get("category").asText() + ")";
            check(failures, where + " ids_with_special", Arrays.toString(withSpecial), Arrays.toString(tok.encode(text, true)));
            check(failures, where + " ids_no_special", Arrays.toString(noSpecial), Arrays.toString(tok.encode(text, false)));
            List<String> tokens = new ArrayList<>();
            row.get("tokens_no_special").forEach(t -> tokens.add(t.asText()));
            check(failures, where + " tokens", tokens.toString(), Arrays.asList(tok.tokens(noSpecial)).toString());
            check(failures, where + " decoded", row.get("decoded").asText(), tok.decode(withSpecial, false));
            check(failures, where + " decoded_no_special", row.get("decoded_no_special").asText(), tok.decode(noSpecial, false));
            check(failures, where + " decoded_skip_special", row.get("decoded_skip_special").asText(), tok.decode(withSpecial, true));
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    private static void check(List<String> failures, String what, String expected, String actual) {
        if (!expected.equals(actual)) failures.add(what + ": expected " + expected + " but was " + actual);
    }

    @ParameterizedTest
    @MethodSource("names")
    void tokenIdsRoundTripThroughTokenStrings(String name) throws IOException {
        Tokenizer tok = TokenizerFixtures.tokenizer(name);
        for (JsonNode row : TokenizerFixtures.jsonl(TokenizerFixtures.folder(name).resolve("goldens.jsonl"))) {
            int[] ids = ints(row.get("ids_no_special"));
            String[] tokens = tok.tokens(ids);
            for (int i = 0; i < ids.length; i++) assertEquals(ids[i], tok.tokenId(tokens[i]), name + " token " + tokens[i]);
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void specialTokensComeFromTheConfig(String name) {
        Tokenizer tok = TokenizerFixtures.tokenizer(name);
        // Expected values: goldens_meta.json (config_special_tokens) and the README's id notes.
        switch (name) {
            case "llama3" -> {
                assertEquals("<|begin_of_text|>", tok.bosToken().orElseThrow());
                assertEquals(128000, tok.bosTokenId().orElseThrow());
                assertArrayEquals(new int[] {128001}, tok.eosTokenIds());
                assertEquals(128256, tok.vocabSize());
            }
            case "mistral" -> {
                assertEquals(1, tok.bosTokenId().orElseThrow());
                assertArrayEquals(new int[] {2}, tok.eosTokenIds());
                assertEquals("<unk>", tok.unkToken().orElseThrow());
                assertEquals(32000, tok.vocabSize());
            }
            case "qwen3" -> {
                assertTrue(tok.bosToken().isEmpty());
                assertEquals("<|endoftext|>", tok.padToken().orElseThrow());
                assertArrayEquals(new int[] {tok.tokenId("<|im_end|>")}, tok.eosTokenIds());
                assertEquals(151_643 + 26, tok.vocabSize());
                assertTrue(tok.isSpecial(tok.tokenId("<|im_start|>")));
                assertTrue(!tok.isSpecial(tok.tokenId("<think>")), "<think> is added but not special");
            }
            case "gemma3" -> {
                assertEquals(2, tok.bosTokenId().orElseThrow());
                assertEquals("<end_of_turn>", tok.eosToken().orElseThrow());
                assertEquals(262_144, tok.tokenId("<image_soft_token>"));
                assertEquals(262_145, tok.vocabSize());
            }
            case "gpt2" -> {
                assertTrue(tok.bosToken().isEmpty() && tok.eosToken().isEmpty());
                assertEquals(0, tok.eosTokenIds().length);
                assertEquals(50_256, tok.tokenId("<|endoftext|>"));
                assertEquals(50_257, tok.vocabSize());
            }
            default -> throw new IllegalArgumentException(name);
        }
    }
}
