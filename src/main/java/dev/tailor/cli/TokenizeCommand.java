package dev.tailor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tailor tokenize}: token ids and token strings of a text or of each row of a JSONL file. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids and tokens of a text (or of each {\"text\": ...} row of a JSONL file).")
public final class TokenizeCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Folder with tokenizer.json (and tokenizer_config.json).")
    Path tokenizerDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "T", description = "The text to tokenize.")
        String text;

        @Option(names = "--file", paramLabel = "F.jsonl", description = "JSONL file; each row is {\"text\": ...}.")
        Path file;
    }

    @Option(names = "--no-special", description = "Do not add special tokens (BOS/EOS).")
    boolean noSpecial;

    @Option(names = "--json", description = "One JSON line per input: {\"ids\":[...],\"tokens\":[...]}.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (Tokenizer tok = Tokenizer.load(tokenizerDir)) {
            if (input.text != null) {
                print(out, tok, input.text);
            } else {
                tokenizeFile(out, tok, input.file);
            }
        }
        out.flush();
        return 0;
    }

    /** Checks every row before printing any, so a bad row never leaves half an output behind. */
    private void tokenizeFile(PrintWriter out, Tokenizer tok, Path file) throws IOException {
        List<String> texts = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) texts.add(textOf(line, file, lineNo));
            }
        }
        for (String text : texts) print(out, tok, text);
    }

    /** The "text" field of one JSONL row; errors name the file, the line and the field. */
    static String textOf(String line, Path file, int lineNo) throws IOException {
        JsonNode row;
        try {
            row = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " line " + lineNo + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!row.isObject()) {
            throw new IOException(file + " line " + lineNo + ": expected a JSON object with a \"text\" field, found "
                    + row.getNodeType().toString().toLowerCase());
        }
        JsonNode text = row.get("text");
        if (text == null) throw new IOException(file + " line " + lineNo + ": missing field \"text\"");
        if (!text.isTextual()) {
            throw new IOException(file + " line " + lineNo + ": field \"text\" must be a string, found "
                    + text.getNodeType().toString().toLowerCase());
        }
        return text.asText();
    }

    private void print(PrintWriter out, Tokenizer tok, String text) throws IOException {
        int[] ids = tok.encode(text, !noSpecial);
        String[] tokens = tok.tokens(ids);
        if (json) {
            ObjectNode row = JSON.createObjectNode();
            ArrayNode idArray = row.putArray("ids");
            for (int id : ids) idArray.add(id);
            ArrayNode tokenArray = row.putArray("tokens");
            for (String t : tokens) tokenArray.add(t);
            out.println(JSON.writeValueAsString(row));
        } else {
            StringBuilder idText = new StringBuilder();
            for (int i = 0; i < ids.length; i++) idText.append(i == 0 ? "" : " ").append(ids[i]);
            out.println("ids (" + ids.length + "): " + idText);
            out.println("tokens: " + JSON.writeValueAsString(tokens));
        }
    }
}
