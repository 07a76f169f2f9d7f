package dev.tailor.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of a tokenizer_config.json that change what encode/decode and chat templates do.
 * Special tokens may be written as a string or as an AddedToken object ({@code {"content": ...}});
 * a missing file means "no settings", as in transformers.
 *
 * @param tokenizerClass      e.g. "LlamaTokenizerFast"; decides whether add_bos/eos_token apply
 * @param specialTokens       bos_token, eos_token, unk_token, sep_token, pad_token, cls_token,
 *                            mask_token: those that are set, in that order
 * @param additionalSpecialTokens the additional_special_tokens list (may be empty)
 * @param addBosToken         add_bos_token, when the file sets it
 * @param addEosToken         add_eos_token, when the file sets it
 * @param cleanUpTokenizationSpaces clean_up_tokenization_spaces, when the file sets it
 */
public record TokenizerConfig(Optional<String> tokenizerClass, Map<String, String> specialTokens,
                              List<String> additionalSpecialTokens, Optional<Boolean> addBosToken,
                              Optional<Boolean> addEosToken, Optional<Boolean> cleanUpTokenizationSpaces) {

    static final String FILE = "tokenizer_config.json";
    private static final List<String> SPECIAL_KEYS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    public TokenizerConfig {
        specialTokens = Map.copyOf(specialTokens);
        additionalSpecialTokens = List.copyOf(additionalSpecialTokens);
    }

    public Optional<String> bosToken() { return special("bos_token"); }
    public Optional<String> eosToken() { return special("eos_token"); }
    public Optional<String> padToken() { return special("pad_token"); }
    public Optional<String> unkToken() { return special("unk_token"); }

    private Optional<String> special(String key) {
        return Optional.ofNullable(specialTokens.get(key));
    }

    /** The special tokens in HF's attribute order, for passing to a chat template. */
    public Map<String, String> specialTokensInOrder() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : SPECIAL_KEYS) if (specialTokens.containsKey(k)) out.put(k, specialTokens.get(k));
        return out;
    }

    /** Reads {@code dir/tokenizer_config.json}; an absent file gives an empty config. */
    public static TokenizerConfig load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return fromJson(null, file);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isObject()) throw new IOException(file + ": expected a JSON object, found " + root.getNodeType());
        return fromJson(root, file);
    }

    static TokenizerConfig fromJson(JsonNode root, Path file) throws IOException {
        if (root == null) {
            return new TokenizerConfig(Optional.empty(), Map.of(), List.of(), Optional.empty(), Optional.empty(),
                    Optional.empty());
        }
        Map<String, String> specials = new LinkedHashMap<>();
        for (String key : SPECIAL_KEYS) {
            String token = tokenText(root.get(key), file, key);
            if (token != null) specials.put(key, token);
        }
        List<String> additional = new ArrayList<>();
        JsonNode extra = root.get("additional_special_tokens");
        if (extra != null && extra.isArray()) {
            for (int i = 0; i < extra.size(); i++) additional.add(tokenText(extra.get(i), file, "additional_special_tokens[" + i + "]"));
        }
        return new TokenizerConfig(text(root, "tokenizer_class"), specials, additional,
                bool(root, "add_bos_token", file), bool(root, "add_eos_token", file),
                bool(root, "clean_up_tokenization_spaces", file));
    }

    /** A special token given as "text", as {"content": "text", ...}, or as null. */
    private static String tokenText(JsonNode node, Path file, String key) throws IOException {
        if (node == null || node.isNull()) return null;
        if (node.isTextual()) return node.asText();
        if (node.isObject() && node.path("content").isTextual()) return node.get("content").asText();
        throw new IOException(file + ": key \"" + key + "\": expected a string or an object with \"content\", found "
                + node);
    }

    private static Optional<String> text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        return n != null && n.isTextual() ? Optional.of(n.asText()) : Optional.empty();
    }

    private static Optional<Boolean> bool(JsonNode root, String key, Path file) throws IOException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return Optional.empty();
        if (!n.isBoolean()) throw new IOException(file + ": key \"" + key + "\": expected true or false, found " + n);
        return Optional.of(n.asBoolean());
    }
}
