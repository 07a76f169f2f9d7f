package dev.tailor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tailor train-tokenizer}, run in-process on small text and chat files. */
class TrainTokenizerCommandTest {

    @TempDir Path tmp;

    private Path text() throws IOException {
        return Files.writeString(tmp.resolve("corpus.txt"), "hug hug hug pug pug bun\n".repeat(3));
    }

    private Path chat() throws IOException {
        return Files.writeString(tmp.resolve("chat.jsonl"),
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Say the word hug.\"},{\"role\":\"assistant\",\"content\":\"hug\"}]}\n".repeat(10)
                        + "{\"text\":\"a plain row\"}\n");
    }

    @Test
    void trainsFromTextAndChatFilesAndWritesALoadableTokenizer() throws IOException {
        Path out = tmp.resolve("tok");
        // 294 is every merge these files allow (asking for 300 fails saying "at most 294")
        Cli r = Cli.run("train-tokenizer", "--data", text().toString(), "--data", chat().toString(),
                "--vocab-size", "294", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("read 2 file(s)") && r.out().contains("vocabulary 294 tokens (3 special)"), r.out());
        try (Tokenizer t = Tokenizer.load(out)) {
            assertEquals(294, t.vocabSize());
            assertEquals(1, t.tokenId("<|im_start|>"));
            // the chat file taught "user" and "assistant" as words: role + "\n" + content per message
            assertEquals(List.of("user", "\u010a", "Say", "\u0120the", "\u0120word", "\u0120hug", ".", "<|im_end|>", "\u010a",
                            "assistant", "\u010a"),
                    List.of(t.tokens(t.encode("user\nSay the word hug.<|im_end|>\nassistant\n", false))));
        }
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.load(out).render(List.of(Map.of("role", "user", "content", "hi")), true));
    }

    @Test
    void rolesCanBeChangedOrLeftOut() throws IOException {
        Path out = tmp.resolve("roles");
        Cli r = Cli.run("train-tokenizer", "--data", text().toString(), "--vocab-size", "262", "--output", out.toString(),
                "--special", "<|endoftext|>,<|pad|>", "--bos-token", "", "--pad-token", "<|pad|>");
        assertEquals(0, r.code(), r.err());
        JsonNode config = new ObjectMapper().readTree(out.resolve("tokenizer_config.json").toFile());
        assertTrue(config.get("bos_token").isNull());
        assertEquals("<|endoftext|>", config.get("eos_token").asText());
        assertEquals("<|pad|>", config.get("pad_token").asText());
        assertFalse(config.has("chat_template"));
    }

    @Test
    void unreachableVocabSizeFailsNamingTheLimitAndWritesNothing() throws IOException {
        Path out = tmp.resolve("none");
        Cli r = Cli.run("train-tokenizer", "--data", text().toString(), "--vocab-size", "5000", "--output", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--vocab-size 5000") && r.err().contains("at most 267"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void roleThatIsNotASpecialTokenFails() throws IOException {
        Cli r = Cli.run("train-tokenizer", "--data", text().toString(), "--vocab-size", "262", "--output",
                tmp.resolve("x").toString(), "--eos-token", "</s>");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("eos token \"</s>\" is not one of the special tokens"), r.err());
    }

    @Test
    void missingFileAndBadRowsAreNamed() throws IOException {
        Cli missing = Cli.run("train-tokenizer", "--data", tmp.resolve("nope.txt").toString(), "--vocab-size", "294",
                "--output", tmp.resolve("x").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope.txt"), missing.err());

        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\":\"ok\"}\n{\"messages\":[{\"role\":\"user\"}]}\n");
        Cli r = Cli.run("train-tokenizer", "--data", bad.toString(), "--vocab-size", "294", "--output", tmp.resolve("y").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.jsonl:2") && r.err().contains("messages[0].content must be a string"), r.err());
    }
}
