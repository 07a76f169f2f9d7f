package dev.tailor.tokenizer.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.tokenizer.TokenizerFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders every case of jinja/jinja_goldens.jsonl and compares with the output of Python
 * Jinja2 3.1.6 configured as transformers' apply_chat_template configures it (the generator,
 * make_jinja_goldens.py, sits beside the file). Exact string equality; a case whose template
 * raised must raise a TemplateException with the same message.
 */
class JinjaGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JinjaEngine ENGINE = new JinjaEngine();

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesJinja2() throws IOException {
        List<JsonNode> rows = TokenizerFixtures.jsonl(TokenizerFixtures.resource("tokenizers/jinja/jinja_goldens.jsonl"));
        assertTrue(rows.size() >= 50, "expected the full golden file, found " + rows.size() + " rows");
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.get("id").asText(), () -> check(row)));
    }

    private static void check(JsonNode row) throws IOException {
        String template = row.get("template").asText();
        String source = template.startsWith("@") ? chatTemplate(template.substring(1)) : template;
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = JSON.convertValue(row.get("variables"), Map.class);
        JinjaEngine.Template compiled = ENGINE.compile(source);
        if (row.get("rendered").isNull()) {
            TemplateException e = assertThrows(TemplateException.class, () -> ENGINE.render(compiled, vars));
            assertTrue(e.raisedByTemplate(), "expected raise_exception, got: " + e.getMessage());
            assertEquals(row.get("error").asText(), e.getMessage());
        } else {
            assertEquals(row.get("rendered").asText(), ENGINE.render(compiled, vars));
        }
    }

    private static String chatTemplate(String name) throws IOException {
        Path dir = TokenizerFixtures.resource("tokenizers/" + name);
        Path file = name.equals("mistral") ? dir.resolve("chat_template.json") : dir.resolve("tokenizer_config.json");
        if (!Files.exists(file)) file = dir.resolve("tokenizer_config.json.gz");
        try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file))
                                                              : Files.newInputStream(file)) {
            return JSON.readTree(in).get("chat_template").asText();
        }
    }
}
