package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.generate.Generator;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.StopRules;
import dev.tailor.generate.TokenListener;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelInit;
import dev.tailor.models.ModelLoader;
import dev.tailor.models.Presets;
import dev.tailor.tensor.DType;
import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;
import dev.tailor.tokenizer.TokenizerFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code generate} and {@code chat} end to end on a tiny random Llama with the Mistral tokenizer
 * (32768 tokens, a chat template): what the CLI prints must be what the generator produces from
 * the same ids, decoded by the same tokenizer; and each refusal names the problem and the fix.
 */
class GenerateCommandTest {

    @TempDir static Path shared;
    static Path modelDir;
    static Tokenizer tokenizer;

    /** A tiny Llama whose vocabulary is the Mistral tokenizer's, next to that tokenizer. */
    @BeforeAll
    static void writeModel() throws IOException {
        Path tok = TokenizerFixtures.folder("mistral");
        tokenizer = Tokenizer.load(tok);
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(Presets.config("llama", "tiny", DType.F32).toJson());
        config.put("vocab_size", tokenizer.vocabSize());
        config.put("max_position_embeddings", 64);
        config.put("eos_token_id", tokenizer.eosTokenId().orElseThrow());
        modelDir = shared.resolve("model");
        Files.createDirectories(modelDir);
        Files.writeString(modelDir.resolve("config.json"), config.toString());
        CausalLM m = ModelInit.create(ModelConfig.load(modelDir), 7);
        for (var e : m.parameters().entrySet()) { // std 0.02 gives near-uniform logits and one token forever; 0.5 gives varied text
            if (e.getKey().endsWith("norm.weight")) continue;
            float[] v = e.getValue().data();
            for (int i = 0; i < v.length; i++) v[i] *= 25f;
        }
        ModelInit.write(m, modelDir);
        try (Stream<Path> files = Files.list(tok)) {
            for (Path f : files.toList()) Files.copy(f, modelDir.resolve(f.getFileName()));
        }
    }

    @AfterAll
    static void close() { tokenizer.close(); }

    /** The generator run directly on the ids the CLI should build. */
    static dev.tailor.generate.Generation direct(int[] ids, int maxNew, List<String> stops) {
        CausalLM m = ModelLoader.load(modelDir, false);
        int[] eos = {tokenizer.eosTokenId().orElseThrow()};
        return new Generator(m).generate(List.of(ids), maxNew, SamplingConfig.greedy(), new StopRules(eos, stops),
                ids2 -> tokenizer.decode(ids2, true), TokenListener.NONE).generations().getFirst();
    }

    @Test
    void jsonOutputIsWhatTheGeneratorProducesFromTheEncodedPrompt() throws Exception {
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--prompt", "The capital of France is", "--max-new-tokens", "12", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode out = new ObjectMapper().readTree(r.out());
        var expected = direct(tokenizer.encode("The capital of France is", true), 12, List.of());
        assertEquals(tokenizer.encode("The capital of France is", true).length, out.get("prompt_tokens").asInt());
        assertArrayEquals(expected.tokens(), ints(out.get("tokens")));
        assertEquals(expected.text(), out.get("text").asText());
        assertEquals(expected.finish().name().toLowerCase(), out.get("finish_reason").asText());
    }

    @Test
    void streamingPrintsTheTextAndTheStatisticsGoToStderr() {
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--prompt", "Hello", "--max-new-tokens", "8");
        assertEquals(0, r.code(), r.err());
        var expected = direct(tokenizer.encode("Hello", true), 8, List.of());
        assertEquals(expected.text() + System.lineSeparator(), r.out());
        assertTrue(r.err().contains("new tokens") && r.err().contains("stopped: " + expected.finish().name().toLowerCase()), r.err());
    }

    @Test
    void chatPromptsGoThroughTheChatTemplate() throws Exception {
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--prompt", "Hi there", "--chat", "--max-new-tokens", "6", "--json");
        assertEquals(0, r.code(), r.err());
        String rendered = ChatTemplate.load(modelDir).render(List.of(Map.of("role", "user", "content", "Hi there")), true);
        int[] ids = tokenizer.encode(rendered, false);
        JsonNode out = new ObjectMapper().readTree(r.out());
        assertEquals(ids.length, out.get("prompt_tokens").asInt());
        assertArrayEquals(direct(ids, 6, List.of()).tokens(), ints(out.get("tokens")));
    }

    @Test
    void aStopStringCutsTheText() throws Exception {
        var free = direct(tokenizer.encode("Once", true), 16, List.of());
        String stop = free.text().substring(free.text().length() / 2, free.text().length() / 2 + 2);
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--prompt", "Once", "--max-new-tokens", "16", "--stop", stop, "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode out = new ObjectMapper().readTree(r.out());
        assertEquals("stop_string", out.get("finish_reason").asText());
        assertEquals(free.text().substring(0, free.text().indexOf(stop)), out.get("text").asText());
    }

    @Test
    void aPromptLongerThanTheContextIsRefusedWithItsLength() {
        String longPrompt = "word ".repeat(100); // the tiny model's context is 64 tokens
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--prompt", longPrompt);
        assertEquals(1, r.code());
        int n = tokenizer.encode(longPrompt, true).length;
        assertTrue(r.err().contains("has " + n + " tokens but the model's context is 64 tokens"), r.err());
        assertTrue(r.err().contains("shorten the prompt by at least " + (n - 64)), r.err());
    }

    @Test
    void aModelFolderWithoutTokenizerIsRefusedWithTheFix(@TempDir Path tmp) throws Exception {
        Path golden = Path.of(getClass().getResource("/golden/llama/model/config.json").toURI()).getParent();
        Cli r = Cli.run("generate", "--model", golden.toString(), "--prompt", "hi");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("has no tokenizer.json") && r.err().contains("copy tokenizer.json"), r.err());
    }

    @Test
    void anAdapterForAnotherBaseModelIsRefused() throws Exception {
        Path lora = Path.of(getClass().getResource("/golden/qwen3/lora/adapter_config.json").toURI()).getParent();
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--adapter", lora.toString(), "--prompt", "hi");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("does not fit the model in " + modelDir) && r.err().contains("has shape")
                && r.err().contains("only works on the base model it was trained on"), r.err());
    }

    @Test
    void badSamplingFlagsAreRefused() {
        Cli r = Cli.run("generate", "--model", modelDir.toString(), "--prompt", "hi", "--top-p", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("top-p must be in (0, 1]"), r.err());
    }

    @Test
    void chatKeepsTheHistoryResetsAndExits() throws Exception {
        String[] turns = {"Hello", "/reset", "Hello", "What next?", "/exit", "never read"};
        StringWriter out = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        ChatCommand chat = cl.getSubcommands().get("chat").getCommand();
        chat.input = new BufferedReader(new StringReader(String.join("\n", turns) + "\n"));
        int code = cl.execute("chat", "--model", modelDir.toString(), "--max-new-tokens", "5");
        assertEquals(0, code);

        ChatTemplate t = ChatTemplate.load(modelDir);
        var first = direct(tokenizer.encode(t.render(List.of(Map.of("role", "user", "content", "Hello")), true), false), 5, List.of());
        var second = direct(tokenizer.encode(t.render(List.of(Map.of("role", "user", "content", "Hello"),
                Map.of("role", "assistant", "content", first.text()), Map.of("role", "user", "content", "What next?")), true), false), 5, List.of());
        String text = out.toString();
        assertNotEquals(first.text(), second.text(), "the history changes the answer (else this test could not tell)");
        // after /reset the same first message gets the same answer; the next one sees the history
        int a = text.indexOf("> " + first.text()), b = text.indexOf("> " + first.text(), a + 1);
        assertTrue(a >= 0 && b > a, "both first answers appear: " + text);
        assertTrue(text.contains("(history cleared)"), text);
        assertTrue(text.indexOf(second.text(), b + first.text().length()) > 0, "the answer that saw the history appears: " + text);
        assertFalse(text.contains("never read"));
    }

    static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).asInt();
        return v;
    }
}
