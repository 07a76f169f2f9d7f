package dev.tailor.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.tokenizer.jinja.JinjaEngine;
import dev.tailor.tokenizer.jinja.TemplateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template, rendered the way {@code tokenizer.apply_chat_template(messages,
 * tokenize=False, add_generation_prompt=...)} renders it. The template is found as
 * transformers finds it: {@code chat_template.jinja}, else {@code "chat_template"} in
 * tokenizer_config.json (a string, or a list of {name, template} of which "default" is used),
 * else {@code chat_template.json}. Thread-safe.
 */
public final class ChatTemplate {

    private static final JinjaEngine ENGINE = new JinjaEngine();

    private final String source;
    private final String origin;
    private final JinjaEngine.Template compiled;
    private final TokenizerConfig config;

    private ChatTemplate(String source, String origin, TokenizerConfig config) {
        this.source = source;
        this.origin = origin;
        this.config = config;
        try {
            this.compiled = ENGINE.compile(source);
        } catch (TemplateException e) {
            throw new TemplateException(origin + ": " + e.getMessage(), false, e);
        }
    }

    /** The default chat template of a tokenizer or model folder. */
    public static ChatTemplate load(Path dir) throws IOException {
        return load(dir, "default");
    }

    /** The chat template called {@code name} (only named templates need it; "default" otherwise). */
    public static ChatTemplate load(Path dir, String name) throws IOException {
        TokenizerConfig config = TokenizerConfig.load(dir);
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) return new ChatTemplate(Files.readString(jinja), jinja.toString(), config);
        for (String file : new String[] {TokenizerConfig.FILE, "chat_template.json"}) {
            Path path = dir.resolve(file);
            if (!Files.isRegularFile(path)) continue;
            JsonNode node = readJson(path).get("chat_template");
            if (node != null && !node.isNull()) return new ChatTemplate(select(node, name, path), path.toString(), config);
        }
        throw new IOException("no chat template in " + dir + ": looked for chat_template.jinja, \"chat_template\" in "
                + TokenizerConfig.FILE + " and in chat_template.json");
    }

    /** A template given as text, with the special tokens of {@code config}. */
    public static ChatTemplate of(String source, TokenizerConfig config) {
        return new ChatTemplate(source, "chat template", config);
    }

    public String source() {
        return source;
    }

    /** Renders {@code messages} (maps with "role" and "content": a string, null or a list of parts). */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with extra template variables ({@code tools}, {@code enable_thinking}, ...), which
     * override the defaults as keyword arguments of apply_chat_template do. The variables are
     * those transformers passes: messages, add_generation_prompt, the special tokens that are
     * set (bos_token, eos_token, ...) and additional_special_tokens when there are any.
     *
     * @throws TemplateException when the template calls raise_exception (the message is the
     *         template's own) or fails to render
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> vars = new HashMap<>(config.specialTokensInOrder());
        if (!config.additionalSpecialTokens().isEmpty()) vars.put("additional_special_tokens", config.additionalSpecialTokens());
        vars.put("messages", new ArrayList<>(messages));
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.putAll(extra);
        try {
            return ENGINE.render(compiled, vars);
        } catch (TemplateException e) {
            if (e.raisedByTemplate()) throw e;
            throw new TemplateException(origin + ": " + e.getMessage(), false, e);
        }
    }

    private static String select(JsonNode node, String name, Path path) throws IOException {
        if (node.isTextual()) {
            if (!name.equals("default")) {
                throw new IOException(path + ": \"chat_template\" is a single template; there is no template named \"" + name + "\"");
            }
            return node.asText();
        }
        if (!node.isArray()) {
            throw new IOException(path + ": \"chat_template\" must be a string or a list of {name, template}, found "
                    + node.getNodeType());
        }
        List<String> names = new ArrayList<>();
        for (JsonNode entry : node) {
            String n = entry.path("name").asText(null);
            names.add(n);
            if (name.equals(n) && entry.path("template").isTextual()) return entry.get("template").asText();
        }
        throw new IOException(path + ": no chat template named \"" + name + "\"; the file has " + names);
    }

    private static JsonNode readJson(Path path) throws IOException {
        try {
            return new ObjectMapper().readTree(path.toFile());
        } catch (IOException e) {
            throw new IOException(path + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + origin + "]";
    }
}
