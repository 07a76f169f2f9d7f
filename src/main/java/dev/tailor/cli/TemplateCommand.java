package dev.tailor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.tokenizer.ChatTemplate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tailor template}: the chat prompt a model's chat template makes of a conversation. */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Render a conversation with the tokenizer's chat template and print the prompt.")
public final class TemplateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Folder with tokenizer_config.json (or chat_template.jinja / chat_template.json).")
    Path tokenizerDir;

    @Option(names = "--messages", required = true, paramLabel = "F.json",
            description = "JSON array of {\"role\": ..., \"content\": ...} messages.")
    Path messagesFile;

    @Option(names = "--add-generation-prompt", description = "End with the header of an assistant turn.")
    boolean addGenerationPrompt;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        List<Map<String, Object>> messages = readMessages(messagesFile);
        String prompt = ChatTemplate.load(tokenizerDir).render(messages, addGenerationPrompt);
        PrintWriter out = spec.commandLine().getOut();
        out.print(prompt);
        out.flush();
        return 0;
    }

    /** Reads and checks the messages file; errors name the file and the message index. */
    static List<Map<String, Object>> readMessages(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isArray()) {
            throw new IOException(file + ": expected a JSON array of messages, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        for (int i = 0; i < root.size(); i++) {
            JsonNode m = root.get(i);
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new IOException(file + ": message " + i + ": expected an object with a string \"role\", found " + m);
            }
            if (!m.has("content")) throw new IOException(file + ": message " + i + ": missing field \"content\"");
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> messages = JSON.convertValue(root, List.class);
        return messages;
    }
}
