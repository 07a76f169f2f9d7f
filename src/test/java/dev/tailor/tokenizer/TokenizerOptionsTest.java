package dev.tailor.tokenizer;

import static dev.tailor.tokenizer.TokenizerFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How tokenizer_config.json, generation_config.json and config.json change a tokenizer:
 * add_bos/add_eos_token for the Llama/Gemma classes, clean_up_tokenization_spaces, AddedToken
 * objects, end-of-sequence ids; and the errors for unusable folders. Expected ids are the
 * goldens' own ids plus the BOS/EOS ids the README gives (mistral: &lt;s&gt;=1, &lt;/s&gt;=2).
 */
class TokenizerOptionsTest {

    @TempDir Path tmp;

    /** A copy of a fixture folder whose tokenizer_config.json is replaced by {@code config}. */
    private Path withConfig(String name, String config) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve(name + "-" + Math.abs(config.hashCode())));
        Files.copy(TokenizerFixtures.folder(name).resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("tokenizer_config.json"), config);
        return dir;
    }

    private static JsonNode goldenRow(String name, int index) throws IOException {
        return TokenizerFixtures.jsonl(TokenizerFixtures.folder(name).resolve("goldens.jsonl")).get(index);
    }

    @Test
    void addEosTokenAppendsEosForLlamaClass() throws IOException {
        JsonNode row = goldenRow("mistral", 0);
        Path dir = withConfig("mistral", """
                {"tokenizer_class": "LlamaTokenizer", "add_bos_token": true, "add_eos_token": true,
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "unk_token": "<unk>"}""");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            int[] body = ints(row.get("ids_no_special"));
            int[] expected = IntStream.concat(IntStream.concat(IntStream.of(1), IntStream.of(body)), IntStream.of(2)).toArray();
            assertArrayEquals(expected, tok.encode(row.get("text").asText(), true));
            assertEquals("<s>", tok.bosToken().orElseThrow(), "AddedToken object form");
        }
    }

    @Test
    void addBosTokenFalseDropsBos() throws IOException {
        JsonNode row = goldenRow("mistral", 0);
        Path dir = withConfig("mistral", """
                {"tokenizer_class": "LlamaTokenizerFast", "add_bos_token": false, "bos_token": "<s>", "eos_token": "</s>"}""");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            assertArrayEquals(ints(row.get("ids_no_special")), tok.encode(row.get("text").asText(), true));
        }
    }

    @Test
    void otherClassesKeepTheTokenizerJsonPostProcessor() throws IOException {
        // Qwen2Tokenizer ignores add_bos_token; the mistral tokenizer.json post-processor adds <s>.
        JsonNode row = goldenRow("mistral", 0);
        Path dir = withConfig("mistral", """
                {"tokenizer_class": "Qwen2Tokenizer", "add_bos_token": false, "add_eos_token": true, "eos_token": "</s>"}""");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            assertArrayEquals(ints(row.get("ids_with_special")), tok.encode(row.get("text").asText(), true));
        }
    }

    @Test
    void cleanUpTokenizationSpacesCanBeTurnedOff() throws IOException {
        // gpt2 is byte-level and lossless; its goldens decode with the clean-up on (config silent),
        // which alters "'s 't 're 've" (see README). With it off, decode gives the text back.
        Tokenizer defaults = TokenizerFixtures.tokenizer("gpt2");
        Path dir = withConfig("gpt2", "{\"clean_up_tokenization_spaces\": false}");
        try (Tokenizer raw = Tokenizer.load(dir)) {
            int altered = 0;
            for (JsonNode row : TokenizerFixtures.jsonl(TokenizerFixtures.folder("gpt2").resolve("goldens.jsonl"))) {
                int[] ids = ints(row.get("ids_no_special"));
                assertEquals(row.get("text").asText(), raw.decode(ids, false), "row " + row.get("id"));
                if (!row.get("text").asText().equals(defaults.decode(ids, false))) altered++;
            }
            assertEquals(2, altered, "the README names two strings the clean-up alters");
        }
    }

    @Test
    void eosIdsMergeGenerationConfigAndModelConfig() throws IOException {
        Path dir = withConfig("gpt2", "{\"eos_token\": \"<|endoftext|>\"}");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [50256, 198]}");
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 13}");
        try (Tokenizer tok = Tokenizer.load(dir)) {
            assertArrayEquals(new int[] {50256, 198, 13}, tok.eosTokenIds());
        }
    }

    @Test
    void unusableFoldersAreReportedClearly() throws IOException {
        IOException missingDir = assertThrows(IOException.class, () -> Tokenizer.load(tmp.resolve("nope")));
        assertTrue(missingDir.getMessage().contains(tmp.resolve("nope") + " does not exist"), missingDir.getMessage());

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Files.writeString(empty.resolve("vocab.json"), "{}");
        IOException noJson = assertThrows(IOException.class, () -> Tokenizer.load(empty));
        assertEquals("tokenizer folder " + empty + " has no tokenizer.json (it holds: vocab.json); "
                + "Tailor needs the Hugging Face fast-tokenizer file tokenizer.json", noJson.getMessage());

        Path badBos = withConfig("mistral", "{\"tokenizer_class\": \"LlamaTokenizer\", \"bos_token\": \"<nope>\"}");
        IOException unknown = assertThrows(IOException.class, () -> Tokenizer.load(badBos));
        assertTrue(unknown.getMessage().contains("\"bos_token\" is \"<nope>\", which is not in"), unknown.getMessage());

        Path badType = withConfig("mistral", "{\"add_bos_token\": \"yes\"}");
        IOException type = assertThrows(IOException.class, () -> Tokenizer.load(badType));
        assertTrue(type.getMessage().contains("key \"add_bos_token\": expected true or false, found \"yes\""), type.getMessage());
    }

    @Test
    void unknownIdsAndTokensAreErrors() {
        Tokenizer tok = TokenizerFixtures.tokenizer("mistral");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {1, 32000}, false));
        assertTrue(e.getMessage().contains("id 32000 at position 1 is not in the vocabulary"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.tokenId("<definitely-not-a-token>"));
        assertTrue(tok.findTokenId("<definitely-not-a-token>").isEmpty());
        assertEquals("", tok.decode(new int[0], false));
        assertEquals(0, tok.encode("", false).length);
    }
}
