package dev.tailor.tokenizer;

import static dev.tailor.tokenizer.TokenizerFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.tokenizer.jinja.TemplateException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every line of {@code <name>/chat_goldens.jsonl} (rendered by Python Jinja2 3.1.6 set up as
 * apply_chat_template does): the rendered prompt, its token ids, or the raise_exception message.
 */
class ChatGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> names() {
        return TokenizerFixtures.CHAT_NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyChatGoldenMatches(String name) throws IOException {
        ChatTemplate template = ChatTemplate.load(TokenizerFixtures.folder(name));
        Tokenizer tok = TokenizerFixtures.tokenizer(name);
        List<JsonNode> rows = TokenizerFixtures.jsonl(TokenizerFixtures.folder(name).resolve("chat_goldens.jsonl"));
        assertEquals(8, rows.size(), name + ": chat golden rows");
        for (JsonNode row : rows) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> messages = JSON.convertValue(row.get("messages"), List.class);
            boolean genPrompt = row.get("add_generation_prompt").asBoolean();
            String where = name + " " + row.get("id").asText() + " add_generation_prompt=" + genPrompt;
            if (row.get("rendered").isNull()) {
                TemplateException e = assertThrows(TemplateException.class, () -> template.render(messages, genPrompt), where);
                assertTrue(e.raisedByTemplate(), where);
                assertEquals(row.get("error").asText(), e.getMessage(), where);
                continue;
            }
            String rendered = template.render(messages, genPrompt);
            assertEquals(row.get("rendered").asText(), rendered, where);
            assertArrayEquals(ints(row.get("rendered_ids")), tok.encode(rendered, false), where + " ids");
        }
    }
}
