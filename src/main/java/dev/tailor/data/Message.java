package dev.tailor.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One turn of a conversation.
 *
 * @param role    "system", "user" or "assistant"
 * @param content the turn's text
 */
public record Message(String role, String content) {

    public static final String SYSTEM = "system", USER = "user", ASSISTANT = "assistant";

    /** The {role, content} map a chat template reads. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
