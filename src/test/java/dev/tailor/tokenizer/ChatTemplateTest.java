package dev.tailor.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.tokenizer.jinja.TemplateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where chat templates are found, which variables they see, and how failures surface. */
class ChatTemplateTest {

    @TempDir Path tmp;

    private static final List<Map<String, Object>> HI = List.of(Map.of("role", "user", "content", "hi"));

    @Test
    void namedTemplateListUsesDefaultOrTheGivenName() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"), """
                {"bos_token": "<B>", "chat_template": [
                  {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}"},
                  {"name": "tool_use", "template": "tools:{{ tools | length }}"}]}""");
        assertEquals("<B>[hi]", ChatTemplate.load(tmp).render(HI, false));
        assertEquals("tools:2", ChatTemplate.load(tmp, "tool_use").render(HI, false, Map.of("tools", List.of(1, 2))));
        IOException e = assertThrows(IOException.class, () -> ChatTemplate.load(tmp, "rag"));
        assertTrue(e.getMessage().contains("no chat template named \"rag\"; the file has [default, tool_use]"), e.getMessage());
    }

    @Test
    void jinjaFileWinsOverConfigAndJsonFile() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": \"config\"}");
        Files.writeString(tmp.resolve("chat_template.json"), "{\"chat_template\": \"json\"}");
        assertEquals("config", ChatTemplate.load(tmp).render(HI, false));
        Files.writeString(tmp.resolve("chat_template.jinja"), "jinja\n");
        assertEquals("jinja", ChatTemplate.load(tmp).render(HI, false), "one trailing newline is dropped, as Jinja2 does");
    }

    @Test
    void missingTemplateNamesTheFolderAndThePlacesLooked() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{}");
        IOException e = assertThrows(IOException.class, () -> ChatTemplate.load(tmp));
        assertEquals("no chat template in " + tmp + ": looked for chat_template.jinja, \"chat_template\" in "
                + "tokenizer_config.json and in chat_template.json", e.getMessage());
    }

    @Test
    void specialTokensAndExtraVariablesReachTheTemplate() {
        TokenizerConfig config = new TokenizerConfig(java.util.Optional.empty(),
                Map.of("bos_token", "<B>", "eos_token", "<E>", "pad_token", "<P>"), List.of("<x>", "<y>"),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty());
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}{{ eos_token }}{{ pad_token }}{{ unk_token }}|"
                + "{{ additional_special_tokens | join(',') }}|{{ add_generation_prompt }}|{{ enable_thinking }}", config);
        assertEquals("<B><E><P>|<x>,<y>|True|False", t.render(HI, true, Map.of("enable_thinking", false)));
        Map<String, Object> override = new HashMap<>();
        override.put("bos_token", "<override>");
        assertTrue(t.render(HI, false, override).startsWith("<override><E>"));
    }

    @Test
    void contentMayBeNullOrAListOfParts() {
        TokenizerConfig none = new TokenizerConfig(java.util.Optional.empty(), Map.of(), List.of(),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty());
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{% if m.content is none %}-{% elif m.content is string %}"
                + "{{ m.content }}{% else %}{% for p in m.content %}<{{ p.type }}>{% endfor %}{% endif %}{% endfor %}", none);
        Map<String, Object> nullContent = new HashMap<>();
        nullContent.put("role", "assistant");
        nullContent.put("content", null);
        List<Map<String, Object>> messages = Arrays.asList(
                Map.of("role", "user", "content", List.of(Map.of("type", "image"), Map.of("type", "text", "text", "x"))),
                nullContent, Map.of("role", "user", "content", "s"));
        assertEquals("<image><text>-s", t.render(messages, false));
    }

    @Test
    void raiseExceptionKeepsTheTemplatesMessageAndOtherErrorsNameTheTemplate() throws IOException {
        Files.writeString(tmp.resolve("chat_template.jinja"), "{{ raise_exception('no ' ~ messages[0].role) }}");
        TemplateException raised = assertThrows(TemplateException.class, () -> ChatTemplate.load(tmp).render(HI, false));
        assertTrue(raised.raisedByTemplate());
        assertEquals("no user", raised.getMessage());

        Files.writeString(tmp.resolve("chat_template.jinja"), "{{ no_such_function() }}");
        TemplateException broken = assertThrows(TemplateException.class, () -> ChatTemplate.load(tmp).render(HI, false));
        assertFalse(broken.raisedByTemplate());
        assertTrue(broken.getMessage().startsWith(tmp.resolve("chat_template.jinja") + ": template failed to render"),
                broken.getMessage());

        Files.writeString(tmp.resolve("chat_template.jinja"), "{{ 'unclosed }}");
        TemplateException syntax = assertThrows(TemplateException.class, () -> ChatTemplate.load(tmp));
        assertTrue(syntax.getMessage().contains("unclosed string literal in the template tag at line 1"), syntax.getMessage());
    }
}
