package dev.tailor.data;

import java.util.List;
import java.util.Map;

/**
 * Renders a conversation to text as a chat template does ({@code apply_chat_template(...,
 * tokenize=False)}); {@code tokenizer.ChatTemplate::render} fits.
 */
@FunctionalInterface
public interface ChatRenderer {
    String render(List<Map<String, String>> messages, boolean addGenerationPrompt);
}
