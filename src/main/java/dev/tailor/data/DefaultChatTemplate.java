package dev.tailor.data;

import java.util.List;
import java.util.Map;

/**
 * The chat layout used when a tokenizer has no chat template: ChatML, except that a turn ends with
 * the tokenizer's end-of-sequence token, so a model trained with it stops where generation stops:
 * <pre>
 * &lt;|im_start|&gt;user
 * Hi{eos}
 * &lt;|im_start|&gt;assistant
 * Hello!{eos}
 * </pre>
 * The generation prompt is {@code <|im_start|>assistant\n}. Where the tokenizer does not know
 * {@code <|im_start|>} it is ordinary text.
 */
public record DefaultChatTemplate(String eosToken) implements ChatRenderer {

    @Override
    public String render(List<Map<String, String>> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (Map<String, String> m : messages) {
            sb.append("<|im_start|>").append(m.get("role")).append('\n').append(m.get("content")).append(eosToken).append('\n');
        }
        if (addGenerationPrompt) sb.append("<|im_start|>assistant\n");
        return sb.toString();
    }
}
