package dev.tailor.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * A Hugging Face fast tokenizer ({@code tokenizer.json}) run by the tokenizers library itself
 * through DJL, configured the way {@code transformers.AutoTokenizer} configures it from
 * {@code tokenizer_config.json}: no truncation or padding, add_bos/add_eos_token for the
 * Llama and Gemma classes, clean_up_tokenization_spaces on decode. Thread-safe; close it to
 * free the native tokenizer.
 */
public final class Tokenizer implements AutoCloseable {

    static final String FILE = "tokenizer.json";

    /** transformers classes whose constructor rebuilds the post-processor from add_bos/eos_token. */
    private static final Set<String> BOS_EOS_CLASSES = Set.of("LlamaTokenizer", "LlamaTokenizerFast",
            "GemmaTokenizer", "GemmaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast");

    static {
        NativeTokenizers.stayOffline();
    }

    private final Path dir;
    private final HuggingFaceTokenizer hf;
    private final Vocabulary vocab;
    private final TokenizerConfig config;
    private final int[] eosIds;
    private final int[] prefix;   // ids added before the text when special tokens are on, or null
    private final int[] suffix;   // ids added after it; both null means "use tokenizer.json's post-processor"
    private final boolean cleanUpSpaces;

    private Tokenizer(Path dir, HuggingFaceTokenizer hf, Vocabulary vocab, TokenizerConfig config) throws IOException {
        this.dir = dir;
        this.hf = hf;
        this.vocab = vocab;
        this.config = config;
        // transformers.js and transformers before v4.45 default this to true when the config is silent.
        this.cleanUpSpaces = config.cleanUpTokenizationSpaces().orElse(true);
        if (config.tokenizerClass().map(BOS_EOS_CLASSES::contains).orElse(false)) {
            this.prefix = config.addBosToken().orElse(true) ? new int[] {requiredSpecial("bos_token")} : new int[0];
            this.suffix = config.addEosToken().orElse(false) ? new int[] {requiredSpecial("eos_token")} : new int[0];
        } else {
            this.prefix = null;
            this.suffix = null;
        }
        this.eosIds = collectEosIds();
    }

    /**
     * Loads {@code dir/tokenizer.json} and, when present, {@code tokenizer_config.json},
     * {@code generation_config.json} and {@code config.json} (for the end-of-sequence ids).
     */
    public static Tokenizer load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("tokenizer folder " + dir + " does not exist or is not a directory");
        }
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("tokenizer folder " + dir + " has no " + FILE + " (it holds: " + listing(dir)
                    + "); Tailor needs the Hugging Face fast-tokenizer file " + FILE);
        }
        byte[] json = Files.readAllBytes(file);
        // The vocabulary tables are read while the native library builds its tokenizer (seconds for 262k tokens).
        CompletableFuture<Vocabulary> vocab = CompletableFuture.supplyAsync(() -> {
            try {
                return Vocabulary.parse(json, file.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("truncation", "false", "padding", "false"));
        } catch (RuntimeException e) {
            throw new IOException(file + ": the tokenizers library could not load it: " + e.getMessage(), e);
        }
        try {
            return new Tokenizer(dir, hf, join(vocab), TokenizerConfig.load(dir));
        } catch (IOException | RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    private static Vocabulary join(CompletableFuture<Vocabulary> vocab) throws IOException {
        try {
            return vocab.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) throw io.getCause();
            throw e;
        }
    }

    /** Token ids of {@code text}; with special tokens, BOS/EOS or the post-processor's tokens are added. */
    public int[] encode(String text, boolean addSpecialTokens) {
        boolean ownSpecials = addSpecialTokens && prefix != null;
        long[] ids = hf.encode(text, addSpecialTokens && !ownSpecials, false).getIds();
        int[] out = new int[ids.length + (ownSpecials ? prefix.length + suffix.length : 0)];
        int at = 0;
        if (ownSpecials) for (int id : prefix) out[at++] = id;
        for (long id : ids) out[at++] = Math.toIntExact(id);
        if (ownSpecials) for (int id : suffix) out[at++] = id;
        return out;
    }

    /** Text of {@code ids}; special tokens (added tokens marked special) are dropped if asked. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (vocab.token(ids[i]) == null) {
                throw new IllegalArgumentException("decode: id " + ids[i] + " at position " + i
                        + " is not in the vocabulary of " + dir + " (size " + vocab.size() + ")");
            }
            wide[i] = ids[i];
        }
        String text = hf.decode(wide, skipSpecialTokens);
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** transformers' clean_up_tokenization: drops the space the decoder leaves before punctuation. */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** The token strings of {@code ids} as stored in the vocabulary (e.g. "Ġworld", "▁the"). */
    public String[] tokens(int[] ids) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = token(ids[i]);
        return out;
    }

    /** The token string of one id. */
    public String token(int id) {
        String t = vocab.token(id);
        if (t == null) {
            throw new IllegalArgumentException("id " + id + " is not in the vocabulary of " + dir + " (size " + vocab.size() + ")");
        }
        return t;
    }

    /** The id of a token string (vocabulary entry or added token), if it has one. */
    public OptionalInt findTokenId(String token) {
        Integer id = vocab.ids().get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of a token string; fails naming the token and the tokenizer when it has none. */
    public int tokenId(String token) {
        return findTokenId(token).orElseThrow(() -> new IllegalArgumentException(
                "token \"" + token + "\" is not in the vocabulary of " + dir));
    }

    /** Number of distinct ids, added tokens included ({@code len(tokenizer)} in transformers). */
    public int vocabSize() {
        return vocab.size();
    }

    /** Whether {@code id} is an added token marked special (the ones skipSpecialTokens drops). */
    public boolean isSpecial(int id) {
        return vocab.specialIds().contains(id);
    }

    public Optional<String> bosToken() { return config.bosToken(); }
    public Optional<String> eosToken() { return config.eosToken(); }
    public Optional<String> padToken() { return config.padToken(); }
    public Optional<String> unkToken() { return config.unkToken(); }

    public OptionalInt bosTokenId() { return idOf(config.bosToken()); }
    public OptionalInt eosTokenId() { return idOf(config.eosToken()); }
    public OptionalInt padTokenId() { return idOf(config.padToken()); }

    /**
     * Ids that end generation: the config's eos_token, then every {@code eos_token_id} of
     * generation_config.json and config.json (an int or a list), without repeats.
     */
    public int[] eosTokenIds() {
        return eosIds.clone();
    }

    public TokenizerConfig config() {
        return config;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        hf.close();
    }

    private OptionalInt idOf(Optional<String> token) {
        return token.map(this::findTokenId).orElse(OptionalInt.empty());
    }

    private int requiredSpecial(String key) throws IOException {
        String token = config.specialTokens().get(key);
        if (token == null) {
            throw new IOException(dir.resolve(TokenizerConfig.FILE) + ": add_" + key + " is on but \"" + key + "\" is not set");
        }
        return findTokenId(token).orElseThrow(() -> new IOException(dir.resolve(TokenizerConfig.FILE) + ": \"" + key
                + "\" is \"" + token + "\", which is not in " + dir.resolve(FILE)));
    }

    private int[] collectEosIds() throws IOException {
        Set<Integer> ids = new LinkedHashSet<>();
        eosTokenId().ifPresent(ids::add);
        for (String name : new String[] {"generation_config.json", "config.json"}) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) continue;
            JsonNode node;
            try {
                node = new ObjectMapper().readTree(file.toFile()).path("eos_token_id");
            } catch (IOException e) {
                throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
            }
            if (node.isInt()) ids.add(node.asInt());
            else if (node.isArray()) node.forEach(n -> ids.add(n.asInt()));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String listing(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) return "nothing";
            String shown = String.join(", ", names.subList(0, Math.min(10, names.size())));
            return names.size() > 10 ? shown + ", ... " + (names.size() - 10) + " more" : shown;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    @Override
    public String toString() {
        return "Tokenizer[" + dir + ", " + vocabSize() + " ids]";
    }
}
