package dev.tailor.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.io.AtomicFile;
import dev.tailor.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The architecture a Hugging Face {@code config.json} describes, flattened to what the model
 * builders need. Defaults for absent keys are those of the transformers config class of each
 * {@code model_type}; HF key names are in the comments.
 *
 * @param modelType             model_type: llama, mistral, qwen2, qwen3 or gpt2
 * @param vocabSize             vocab_size
 * @param hiddenSize            hidden_size (gpt2 n_embd)
 * @param intermediateSize      intermediate_size (gpt2 n_inner, default 4 * n_embd)
 * @param numLayers             num_hidden_layers (gpt2 n_layer)
 * @param numHeads              num_attention_heads (gpt2 n_head)
 * @param numKvHeads            num_key_value_heads (default numHeads)
 * @param headDim               head_dim, else hidden_size / num_attention_heads (qwen3 default 128)
 * @param maxPositionEmbeddings max_position_embeddings (gpt2 n_positions)
 * @param normEps               rms_norm_eps (gpt2 layer_norm_epsilon)
 * @param ropeTheta             rope_theta, or rope_parameters.rope_theta; 0 for gpt2 (no RoPE)
 * @param ropeScaling           rope_scaling / rope_parameters; DEFAULT if none; null for gpt2 (learned positions)
 * @param attentionBias         bias on the q, k and v projections (gpt2 c_attn)
 * @param attentionOutputBias   bias on the attention output projection (o_proj, gpt2 attn.c_proj)
 * @param mlpBias               bias on the MLP projections (llama mlp_bias; gpt2 always)
 * @param qkNorm                per-head RMSNorm on queries and keys (qwen3)
 * @param slidingWindow         sliding_window as it applies to this model; null when none
 * @param layerWindows          per layer, the attention window (0 = full attention)
 * @param tieWordEmbeddings     tie_word_embeddings (default: gpt2 true, others false)
 * @param hiddenAct             hidden_act (gpt2 activation_function)
 * @param dtype                 dtype / torch_dtype (F32 when absent)
 * @param bosTokenId            bos_token_id; null when none
 * @param eosTokenIds           eos_token_id (an int or a list); empty when none
 */
public record ModelConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                          int numHeads, int numKvHeads, int headDim, int maxPositionEmbeddings, double normEps,
                          double ropeTheta, RopeScaling ropeScaling, boolean attentionBias, boolean attentionOutputBias,
                          boolean mlpBias, boolean qkNorm, Integer slidingWindow, int[] layerWindows,
                          boolean tieWordEmbeddings, String hiddenAct, DType dtype, Integer bosTokenId, int[] eosTokenIds) {

    public static final List<String> SUPPORTED_TYPES = List.of("llama", "mistral", "qwen2", "qwen3", "gpt2");
    public static final List<String> LLAMA_ACTIVATIONS = List.of("silu");
    public static final List<String> GPT2_ACTIVATIONS = List.of("gelu_new", "gelu_pytorch_tanh");

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Map<DType, String> DTYPE_NAMES =
            Map.of(DType.F32, "float32", DType.BF16, "bfloat16", DType.F16, "float16", DType.F64, "float64");

    public ModelConfig {
        layerWindows = layerWindows.clone();
        eosTokenIds = eosTokenIds.clone();
        if (layerWindows.length != numLayers) {
            throw new IllegalArgumentException("layerWindows has " + layerWindows.length + " entries for " + numLayers + " layers");
        }
    }

    /** Per layer, the attention window (0 = full attention). */
    @Override public int[] layerWindows() { return layerWindows.clone(); }

    @Override public int[] eosTokenIds() { return eosTokenIds.clone(); }

    /** Reads {@code config.json} from a model folder. */
    public static ModelConfig load(Path modelDir) { return read(modelDir.resolve("config.json")); }

    /** Reads and checks a config.json; refusals name the file and the key. */
    public static ModelConfig read(Path configJson) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(configJson));
        } catch (JsonProcessingException e) {
            throw new ConfigException(configJson + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(configJson + ": cannot read: " + e, e);
        }
        if (root == null || !root.isObject()) throw new ConfigException(configJson + ": expected a JSON object");
        ConfigFields f = ConfigFields.root(configJson, root);
        String type = f.stringOr("model_type", null);
        if (type == null) throw f.error("model_type", "is missing (supported: " + SUPPORTED_TYPES + ")");
        return switch (type) {
            case "llama", "mistral", "qwen2", "qwen3" -> LlamaFamilyConfig.read(f, type);
            case "gpt2" -> Gpt2Config.read(f);
            default -> throw f.error("model_type", "is '" + type + "', an unsupported model type (supported: " + SUPPORTED_TYPES + ")");
        };
    }

    /** Whether positions are encoded by RoPE (false for gpt2's learned position embeddings). */
    public boolean usesRope() { return ropeScaling != null; }

    /** This config as a Hugging Face config.json (pretty-printed, HF key names). */
    public String toJson() {
        ObjectNode out = JSON.createObjectNode();
        if (modelType.equals("gpt2")) Gpt2Config.write(this, out);
        else LlamaFamilyConfig.write(this, out);
        out.put("torch_dtype", DTYPE_NAMES.getOrDefault(dtype, "float32"));
        if (bosTokenId == null) out.putNull("bos_token_id");
        else out.put("bos_token_id", bosTokenId);
        if (eosTokenIds.length == 0) out.putNull("eos_token_id");
        else if (eosTokenIds.length == 1) out.put("eos_token_id", eosTokenIds[0]);
        else { var a = out.putArray("eos_token_id"); for (int id : eosTokenIds) a.add(id); }
        try {
            return JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    /** Writes {@link #toJson()} to {@code file} atomically. */
    public void write(Path file) {
        try {
            AtomicFile.writeString(file, toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- shared parsing pieces, used by LlamaFamilyConfig and Gpt2Config ----

    static DType dtype(ConfigFields f) {
        String key = f.node("dtype") != null ? "dtype" : "torch_dtype";
        String name = f.stringOr(key, "float32");
        for (Map.Entry<DType, String> e : DTYPE_NAMES.entrySet()) if (e.getValue().equals(name)) return e.getKey();
        throw f.error(key, "is '" + name + "' (supported: float32, bfloat16, float16, float64)");
    }

    static int[] eos(ConfigFields f, Integer fallback) {
        JsonNode n = f.node("eos_token_id");
        if (n == null) return f.has("eos_token_id") || fallback == null ? new int[0] : new int[] {fallback};
        if (n.isArray()) {
            int[] ids = new int[n.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode v = n.get(i);
                if (!v.isIntegralNumber() || !v.canConvertToInt()) throw f.error("eos_token_id", "[" + i + "] is " + ConfigFields.describe(v) + ", expected an integer");
                ids[i] = v.intValue();
            }
            return ids;
        }
        return new int[] {f.intOrNull("eos_token_id")};
    }

    static Integer bos(ConfigFields f, Integer fallback) {
        return f.has("bos_token_id") ? f.intOrNull("bos_token_id") : fallback;
    }

    static String activation(ConfigFields f, String key, String fallback, List<String> supported) {
        String act = f.stringOr(key, fallback);
        if (!supported.contains(act)) throw f.error(key, "is '" + act + "', an unsupported activation (supported: " + supported + ")");
        return act;
    }

    static int headDim(ConfigFields f, int hidden, int heads, String hiddenKey, String headsKey) {
        if (hidden % heads != 0) {
            throw f.error(hiddenKey, "is " + hidden + ", not divisible by " + headsKey + " " + heads + " (and no head_dim is given)");
        }
        return hidden / heads;
    }

    @Override public boolean equals(Object o) {
        return o instanceof ModelConfig c && modelType.equals(c.modelType) && vocabSize == c.vocabSize && hiddenSize == c.hiddenSize
                && intermediateSize == c.intermediateSize && numLayers == c.numLayers && numHeads == c.numHeads
                && numKvHeads == c.numKvHeads && headDim == c.headDim && maxPositionEmbeddings == c.maxPositionEmbeddings
                && Double.compare(normEps, c.normEps) == 0 && Double.compare(ropeTheta, c.ropeTheta) == 0
                && Objects.equals(ropeScaling, c.ropeScaling) && attentionBias == c.attentionBias
                && attentionOutputBias == c.attentionOutputBias && mlpBias == c.mlpBias && qkNorm == c.qkNorm
                && Objects.equals(slidingWindow, c.slidingWindow) && Arrays.equals(layerWindows, c.layerWindows)
                && tieWordEmbeddings == c.tieWordEmbeddings && hiddenAct.equals(c.hiddenAct) && dtype == c.dtype
                && Objects.equals(bosTokenId, c.bosTokenId) && Arrays.equals(eosTokenIds, c.eosTokenIds);
    }

    @Override public int hashCode() {
        return Objects.hash(modelType, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                ropeScaling, slidingWindow, Arrays.hashCode(layerWindows), hiddenAct, dtype, Arrays.hashCode(eosTokenIds));
    }

    @Override public String toString() {
        return "ModelConfig[" + modelType + ", vocab=" + vocabSize + ", hidden=" + hiddenSize + ", intermediate=" + intermediateSize
                + ", layers=" + numLayers + ", heads=" + numHeads + "/" + numKvHeads + "x" + headDim + ", maxPos=" + maxPositionEmbeddings
                + ", eps=" + normEps + ", theta=" + ropeTheta + ", rope=" + ropeScaling + ", bias(qkv/o/mlp)=" + attentionBias + "/"
                + attentionOutputBias + "/" + mlpBias + ", qkNorm=" + qkNorm + ", window=" + slidingWindow + " " + Arrays.toString(layerWindows)
                + ", tied=" + tieWordEmbeddings + ", act=" + hiddenAct + ", dtype=" + dtype + ", bos=" + bosTokenId
                + ", eos=" + Arrays.toString(eosTokenIds) + "]";
    }
}
