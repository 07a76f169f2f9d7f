package dev.tailor.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.data.DataException;
import dev.tailor.data.JsonlReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One multiple-choice question: {@code {"prompt" or "question": text, "choices": [text, ...],
 * "answer": index or the text of one choice}}.
 *
 * @param answer index into {@code choices} of the right one
 * @param where  file:line, for messages
 */
public record ChoiceRow(String prompt, List<String> choices, int answer, String where) {

    public ChoiceRow {
        choices = List.copyOf(choices);
        if (choices.size() < 2) throw new DataException(where + ": expected at least 2 choices, found " + choices.size());
        if (answer < 0 || answer >= choices.size()) {
            throw new DataException(where + ": answer index " + answer + " is outside 0.." + (choices.size() - 1));
        }
    }

    /** Every row of a .jsonl (or .json array) file; an empty file is an error. */
    public static List<ChoiceRow> read(Path file) {
        List<JsonlReader.Row> rows = JsonlReader.read(file);
        if (rows.isEmpty()) throw new DataException(file + ": no multiple-choice rows");
        List<ChoiceRow> out = new ArrayList<>(rows.size());
        for (JsonlReader.Row row : rows) out.add(parse(row));
        return out;
    }

    static ChoiceRow parse(JsonlReader.Row row) {
        String promptKey = row.json().has("prompt") ? "prompt" : "question";
        if (!row.json().has(promptKey)) throw new DataException(row.where() + ": missing field 'prompt' (or 'question')");
        String prompt = row.requireText(promptKey);
        JsonNode arr = row.require("choices");
        if (!arr.isArray()) throw new DataException(row.where() + ": field 'choices' must be an array of strings, found " + kind(arr));
        List<String> choices = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            if (!arr.get(i).isTextual()) throw new DataException(row.where() + ": choices[" + i + "] must be a string, found " + kind(arr.get(i)));
            choices.add(arr.get(i).asText());
        }
        return new ChoiceRow(prompt, choices, answerIndex(row, choices), row.where());
    }

    private static int answerIndex(JsonlReader.Row row, List<String> choices) {
        JsonNode a = row.require("answer");
        if (a.isIntegralNumber()) return a.asInt();
        if (a.isTextual()) {
            int i = choices.indexOf(a.asText());
            if (i < 0) throw new DataException(row.where() + ": answer '" + a.asText() + "' is not one of the choices " + choices);
            return i;
        }
        throw new DataException(row.where() + ": field 'answer' must be a choice index or the text of a choice, found " + kind(a));
    }

    private static String kind(JsonNode n) { return n.getNodeType().name().toLowerCase(); }
}
