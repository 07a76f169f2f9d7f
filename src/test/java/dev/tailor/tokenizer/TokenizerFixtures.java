package dev.tailor.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The tokenizer fixtures of src/test/resources/tokenizers (copied from the shared fixtures; the
 * big files are stored gzip-compressed). Each folder is unpacked once per test run into a
 * temporary directory, and each tokenizer is loaded once and shared by the test classes.
 */
public final class TokenizerFixtures {

    public static final List<String> NAMES = List.of("llama3", "mistral", "qwen3", "gemma3", "gpt2");
    public static final List<String> CHAT_NAMES = List.of("llama3", "mistral", "qwen3", "gemma3");

    private static final Map<String, Path> FOLDERS = new ConcurrentHashMap<>();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFixtures() {}

    /** A real folder holding the fixture's files, .gz files decompressed. */
    public static Path folder(String name) {
        return FOLDERS.computeIfAbsent(name, n -> {
            try {
                Path out = Files.createTempDirectory("tailor-tok-" + n);
                out.toFile().deleteOnExit();
                try (Stream<Path> files = Files.list(resource("tokenizers/" + n))) {
                    for (Path f : files.toList()) unpack(f, out);
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public static Tokenizer tokenizer(String name) {
        return TOKENIZERS.computeIfAbsent(name, n -> {
            try {
                return Tokenizer.load(folder(n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The rows of a JSONL test resource. */
    public static List<JsonNode> jsonl(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) rows.add(JSON.readTree(line));
        return rows;
    }

    public static Path resource(String path) {
        URL url = TokenizerFixtures.class.getClassLoader().getResource(path);
        if (url == null) throw new IllegalStateException("missing test resource " + path);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static void unpack(Path file, Path dir) throws IOException {
        String name = file.getFileName().toString();
        Path target = dir.resolve(name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name);
        try (InputStream in = name.endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file), 1 << 16)
                                                   : Files.newInputStream(file)) {
            Files.copy(in, target);
        }
        target.toFile().deleteOnExit();
    }
}
