package dev.tailor.data;

import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** A {@link TextEncoder} over a Hugging Face tokenizer folder and its chat template, if it has one. */
public final class TokenizerEncoder implements TextEncoder {

    private final Tokenizer tokenizer;
    private final ChatTemplate template; // null when the folder has none
    private final int eos;
    private final int[] prefix;

    public TokenizerEncoder(Tokenizer tokenizer, ChatTemplate template, int[] modelEosIds) {
        this.tokenizer = tokenizer;
        this.template = template;
        int[] eosIds = tokenizer.eosTokenIds();
        if (tokenizer.eosTokenId().isPresent()) this.eos = tokenizer.eosTokenId().getAsInt();
        else if (eosIds.length > 0) this.eos = eosIds[0];
        else if (modelEosIds != null && modelEosIds.length > 0) this.eos = modelEosIds[0];
        else throw new DataException(tokenizer.directory() + ": the tokenizer has no eos_token and config.json no eos_token_id; "
                    + "completions need an end-of-sequence token");
        // What the tokenizer adds around a text (e.g. Llama's BOS), minus any EOS it would append.
        int[] around = tokenizer.encode("", true);
        int n = around.length;
        while (n > 0 && around[n - 1] == eos) n--;
        this.prefix = Arrays.copyOf(around, n);
    }

    /** Loads the tokenizer of {@code dir} and its chat template when there is one. */
    public static TokenizerEncoder load(Path dir, int[] modelEosIds) throws IOException {
        Tokenizer t = Tokenizer.load(dir);
        boolean hasTemplate = Files.isRegularFile(dir.resolve("chat_template.jinja")) || Files.isRegularFile(dir.resolve("chat_template.json"))
                || t.config() != null && hasConfigTemplate(dir);
        return new TokenizerEncoder(t, hasTemplate ? ChatTemplate.load(dir) : null, modelEosIds);
    }

    private static boolean hasConfigTemplate(Path dir) throws IOException {
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return false;
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cfg.toFile()).get("chat_template");
        return node != null && !node.isNull();
    }

    @Override public int[] encode(String text) { return tokenizer.encode(text, false); }
    @Override public int[] prefixIds() { return prefix.clone(); }
    @Override public int eosId() { return eos; }
    @Override public String eosToken() { return tokenizer.token(eos); }
    @Override public ChatRenderer chatTemplate() { return template == null ? null : template::render; }

    /** The id to write at padding positions: the pad token, else EOS (padding is never attended to nor scored). */
    public int padId() { return tokenizer.padTokenId().orElse(eos); }
}
