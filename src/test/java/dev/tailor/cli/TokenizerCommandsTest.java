package dev.tailor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.tokenizer.TokenizerFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tailor tokenize} and {@code tailor template}, run in-process with captured output. */
class TokenizerCommandsTest {

    @TempDir Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String mistral() {
        return TokenizerFixtures.folder("mistral").toString();
    }

    /** A golden row of mistral/goldens.jsonl by id. */
    private static JsonNode golden(String id) throws IOException {
        for (JsonNode row : TokenizerFixtures.jsonl(TokenizerFixtures.folder("mistral").resolve("goldens.jsonl"))) {
            if (row.get("id").asText().equals(id)) return row;
        }
        throw new IllegalArgumentException(id);
    }

    @Test
    void tokenizeTextPrintsIdsAndTokens() throws IOException {
        JsonNode row = golden("4");   // a prose sentence
        Run r = run("tokenize", "--tokenizer", mistral(), "--text", row.get("text").asText(), "--no-special", "--json");
        assertEquals(0, r.code, r.err);
        JsonNode printed = new ObjectMapper().readTree(r.out);
        assertEquals(row.get("ids_no_special"), printed.get("ids"));
        assertEquals(row.get("tokens_no_special"), printed.get("tokens"));
    }

    @Test
    void tokenizeFileKeepsRowOrderAndSpecialTokens() throws IOException {
        List<JsonNode> rows = TokenizerFixtures.jsonl(TokenizerFixtures.folder("mistral").resolve("goldens.jsonl")).subList(0, 5);
        ObjectMapper json = new ObjectMapper();
        StringBuilder file = new StringBuilder();
        for (JsonNode row : rows) file.append(json.writeValueAsString(json.createObjectNode().put("text", row.get("text").asText()))).append('\n');
        Path input = tmp.resolve("rows.jsonl");
        Files.writeString(input, file.toString());
        Run r = run("tokenize", "--tokenizer", mistral(), "--file", input.toString(), "--json");
        assertEquals(0, r.code, r.err);
        String[] lines = r.out.split("\n");
        assertEquals(rows.size(), lines.length);
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i).get("ids_with_special"), json.readTree(lines[i]).get("ids"), "row " + i);
        }
    }

    @Test
    void plainOutputShowsIdsAndQuotedTokens() {
        // <s>=1 is mistral's BOS; ▁Hello=22557 and ▁world=1526 as in golden row 0 ("Hello, world!").
        Run r = run("tokenize", "--tokenizer", mistral(), "--text", "Hello world");
        assertEquals(0, r.code, r.err);
        assertEquals("ids (3): 1 22557 1526\ntokens: [\"<s>\",\"▁Hello\",\"▁world\"]\n", r.out);
    }

    @Test
    void badRowsAreNamedByFileLineAndField() throws IOException {
        Path missing = tmp.resolve("missing.jsonl");
        Files.writeString(missing, "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
        Run r = run("tokenize", "--tokenizer", mistral(), "--file", missing.toString(), "--json");
        assertEquals(1, r.code);
        assertEquals("", r.out, "nothing is printed when a row is bad");
        assertTrue(r.err.contains(missing + " line 2: missing field \"text\""), r.err);

        Path notJson = tmp.resolve("broken.jsonl");
        Files.writeString(notJson, "{\"text\": \"ok\"}\n\n{text: 1}\n");
        r = run("tokenize", "--tokenizer", mistral(), "--file", notJson.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains(notJson + " line 3: not valid JSON"), r.err);

        Path wrongType = tmp.resolve("number.jsonl");
        Files.writeString(wrongType, "{\"text\": 5}\n");
        r = run("tokenize", "--tokenizer", mistral(), "--file", wrongType.toString());
        assertTrue(r.err.contains(wrongType + " line 1: field \"text\" must be a string, found number"), r.err);
    }

    @Test
    void missingTokenizerJsonIsReported() {
        Run r = run("tokenize", "--tokenizer", tmp.toString(), "--text", "x");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("tokenizer folder " + tmp + " has no tokenizer.json"), r.err);
    }

    @Test
    void templatePrintsTheRenderedPrompt() throws IOException {
        // The golden of qwen3/chat_goldens.jsonl, user_only with add_generation_prompt=true.
        Path messages = tmp.resolve("m.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"Hello! How are you today?\"}]");
        Run r = run("template", "--tokenizer", TokenizerFixtures.folder("qwen3").toString(),
                "--messages", messages.toString(), "--add-generation-prompt");
        assertEquals(0, r.code, r.err);
        assertEquals("<|im_start|>user\nHello! How are you today?<|im_end|>\n<|im_start|>assistant\n", r.out);
    }

    @Test
    void templateReportsRaiseExceptionAndBadFiles() throws IOException {
        Path messages = tmp.resolve("m.json");
        Files.writeString(messages, "[{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u\"}]");
        Run r = run("template", "--tokenizer", mistral(), "--messages", messages.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("Conversation roles must alternate user/assistant/user/assistant/..."), r.err);

        Files.writeString(messages, "{\"role\": \"user\"}");
        r = run("template", "--tokenizer", mistral(), "--messages", messages.toString());
        assertTrue(r.err.contains(messages + ": expected a JSON array of messages, found object"), r.err);

        Files.writeString(messages, "[{\"role\": \"user\"}]");
        r = run("template", "--tokenizer", mistral(), "--messages", messages.toString());
        assertTrue(r.err.contains(messages + ": message 0: missing field \"content\""), r.err);
    }
}
