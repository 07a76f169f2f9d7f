package dev.tailor.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model folder ready to generate text: the model (frozen, in its stored dtype, with an optional
 * PEFT adapter applied unmerged), its tokenizer, its chat template when it has one, and its
 * end-of-sequence ids. Text in, text out; {@link Generator} does the work.
 */
public final class TextGenerator implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path modelDir;
    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final Generator generator;
    private final int[] eosIds;
    private ChatTemplate template; // loaded on first use: plain prompts need none

    private TextGenerator(Path modelDir, CausalLM model, Tokenizer tokenizer) {
        this.modelDir = modelDir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.generator = new Generator(model);
        Set<Integer> eos = new LinkedHashSet<>();
        for (int id : StopRules.eosIds(modelDir, model.config())) eos.add(id);
        for (int id : tokenizer.eosTokenIds()) eos.add(id); // a chat model's eos_token (e.g. <|im_end|>) ends a turn too
        this.eosIds = eos.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Opens {@code modelDir} (config.json, weights, tokenizer.json) with the adapter in
     * {@code adapterDir} applied, or none when it is null. Each refusal says what is missing and
     * how to fix it.
     */
    public static TextGenerator open(Path modelDir, Path adapterDir) {
        if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("model folder " + modelDir + " has no tokenizer.json; generation needs the model's "
                    + "tokenizer: copy tokenizer.json and tokenizer_config.json from the base model's folder into it");
        }
        CausalLM model = ModelLoader.load(modelDir, false);
        if (adapterDir != null) applyAdapter(model, modelDir, adapterDir);
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.load(modelDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            tokenizer.close();
            throw new IllegalArgumentException("the tokenizer in " + modelDir + " has " + tokenizer.vocabSize() + " tokens but the model's vocab_size is "
                    + model.config().vocabSize() + "; the tokenizer belongs to another model");
        }
        return new TextGenerator(modelDir, model, tokenizer);
    }

    private static void applyAdapter(CausalLM model, Path modelDir, Path adapterDir) {
        try {
            Adapters.load(model, adapterDir);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the adapter in " + adapterDir + " does not fit the model in " + modelDir + ": " + e.getMessage()
                    + ". An adapter only works on the base model it was trained on" + baseModelHint(adapterDir)
                    + "; pass that model with --model", e);
        }
    }

    /** ", which adapter_config.json names as X", when it names one. */
    private static String baseModelHint(Path adapterDir) {
        try {
            JsonNode base = JSON.readTree(Files.readString(adapterDir.resolve(Adapters.CONFIG_FILE))).get("base_model_name_or_path");
            return base != null && base.isTextual() ? " (adapter_config.json names '" + base.textValue() + "')" : "";
        } catch (IOException | RuntimeException e) {
            return ""; // the hint is optional; the adapter's own error was already reported
        }
    }

    public CausalLM model() { return model; }

    public Tokenizer tokenizer() { return tokenizer; }

    /** The model's context in tokens (max_position_embeddings). */
    public int context() { return model.config().maxPositionEmbeddings(); }

    /** A plain prompt's ids, with the tokenizer's special tokens (e.g. BOS) as the tokenizer adds them. */
    public int[] encodePrompt(String text) { return tokenizer.encode(text, true); }

    /**
     * The ids of a conversation rendered by the model's chat template, ending with the assistant's
     * turn opened. The template writes the special tokens itself, so none are added.
     *
     * @param messages each with "role" and "content"
     */
    public int[] encodeChat(List<Map<String, String>> messages) {
        if (template == null) {
            try {
                template = ChatTemplate.load(modelDir);
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage() + "; --chat needs a model with a chat template (an instruct or chat model)", e);
            }
        }
        return tokenizer.encode(template.render(messages, true), false);
    }

    /** Continues {@code prompt}; text comes back without special tokens. */
    public Generator.Result generate(int[] prompt, int maxNewTokens, SamplingConfig sampling, List<String> stopStrings, TokenListener listener) {
        return generator.generate(List.of(prompt), maxNewTokens, sampling, new StopRules(eosIds, stopStrings), this::decode, listener);
    }

    /** Continues each prompt in one batch; row b gets the tokens it would get alone with the same sampling. */
    public Generator.Result generate(List<int[]> prompts, int maxNewTokens, SamplingConfig sampling, List<String> stopStrings) {
        return generator.generate(prompts, maxNewTokens, sampling, new StopRules(eosIds, stopStrings), this::decode, TokenListener.NONE);
    }

    /**
     * Text of generated ids, special tokens dropped. Ids past the tokenizer's vocabulary (models pad
     * their embedding to a round size; a trained model never picks those rows) have no text.
     */
    public String decode(int[] ids) {
        int n = tokenizer.vocabSize(), kept = 0;
        int[] known = new int[ids.length];
        for (int id : ids) if (id < n) known[kept++] = id;
        return tokenizer.decode(kept == ids.length ? ids : Arrays.copyOf(known, kept), true);
    }

    @Override public void close() { tokenizer.close(); }
}
