package dev.tailor.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns one JSON row into an {@link Example} of a given format; errors name file, line and field. */
public final class ExampleParser {

    /** ShareGPT speaker names and the chat role each one is. */
    private static final Map<String, String> SHAREGPT_ROLES = Map.of(
            "human", Message.USER, "user", Message.USER,
            "gpt", Message.ASSISTANT, "assistant", Message.ASSISTANT, "chatgpt", Message.ASSISTANT,
            "system", Message.SYSTEM);
    private static final List<String> CHAT_ROLES = List.of(Message.SYSTEM, Message.USER, Message.ASSISTANT);

    private ExampleParser() {}

    public static Example parse(JsonlReader.Row row, DataFormat format) {
        return switch (format) {
            case ALPACA -> new Example.Instruction(optionalText(row, "system"), row.requireText("instruction"),
                    optionalText(row, "input"), row.requireText("output"), row.where());
            case SHAREGPT -> new Example.Chat(turns(row, "conversations", "from", "value"), row.where());
            case CHAT -> new Example.Chat(turns(row, "messages", "role", "content"), row.where());
            case PROMPT_COMPLETION -> new Example.Completion(row.requireText("prompt"), row.requireText("completion"), row.where());
            case TEXT -> new Example.Text(row.requireText("text"), row.where());
            case TOKENIZED -> tokens(row);
        };
    }

    private static String optionalText(JsonlReader.Row row, String field) {
        JsonNode n = row.json().get(field);
        if (n == null || n.isNull()) return "";
        if (!n.isTextual()) throw new DataException(row.where() + ": field '" + field + "' must be a string, found " + type(n));
        return n.asText();
    }

    private static List<Message> turns(JsonlReader.Row row, String field, String roleKey, String textKey) {
        JsonNode list = row.require(field);
        if (!list.isArray()) throw new DataException(row.where() + ": field '" + field + "' must be a list of turns, found " + type(list));
        List<Message> out = new ArrayList<>();
        boolean sharegpt = field.equals("conversations");
        for (int i = 0; i < list.size(); i++) {
            JsonNode turn = list.get(i);
            String at = row.where() + ": " + field + "[" + i + "]";
            if (!turn.isObject()) throw new DataException(at + " must be an object, found " + type(turn));
            String role = text(turn, roleKey, at);
            String content = text(turn, textKey, at);
            String mapped = sharegpt ? SHAREGPT_ROLES.get(role.toLowerCase()) : (CHAT_ROLES.contains(role) ? role : null);
            if (mapped == null) {
                throw new DataException(at + "." + roleKey + " is '" + role + "', expected one of "
                        + (sharegpt ? "human, gpt, system" : "system, user, assistant"));
            }
            out.add(new Message(mapped, content));
        }
        if (out.stream().noneMatch(m -> m.role().equals(Message.ASSISTANT))) {
            throw new DataException(row.where() + ": field '" + field + "' has no " + (sharegpt ? "gpt" : "assistant") + " turn to learn from");
        }
        return out;
    }

    private static String text(JsonNode turn, String key, String at) {
        JsonNode n = turn.get(key);
        if (n == null || n.isNull()) throw new DataException(at + ": missing field '" + key + "'");
        if (!n.isTextual()) throw new DataException(at + "." + key + " must be a string, found " + type(n));
        return n.asText();
    }

    private static Example.Tokens tokens(JsonlReader.Row row) {
        int[] ids = ints(row, "input_ids", false);
        JsonNode l = row.json().get("labels");
        int[] labels = l == null || l.isNull() ? null : ints(row, "labels", true);
        if (labels != null && labels.length != ids.length) {
            throw new DataException(row.where() + ": field 'labels' has " + labels.length + " entries but 'input_ids' has " + ids.length);
        }
        return new Example.Tokens(ids, labels, row.where());
    }

    private static int[] ints(JsonlReader.Row row, String field, boolean allowIgnore) {
        JsonNode n = row.require(field);
        if (!n.isArray()) throw new DataException(row.where() + ": field '" + field + "' must be a list of token ids, found " + type(n));
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new DataException(row.where() + ": " + field + "[" + i + "] must be an integer token id, found " + v);
            }
            int x = v.asInt();
            if (x < 0 && !(allowIgnore && x == TokenRow.IGNORE)) {
                throw new DataException(row.where() + ": " + field + "[" + i + "] is " + x + ", expected a token id >= 0"
                        + (allowIgnore ? " or -100" : ""));
            }
            out[i] = x;
        }
        return out;
    }

    private static String type(JsonNode n) { return n.getNodeType().name().toLowerCase(); }
}
