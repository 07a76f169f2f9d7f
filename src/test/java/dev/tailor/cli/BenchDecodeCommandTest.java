package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.models.ModelLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code bench decode}: the weight bytes a decoding step reads, counted by hand, and the report's arithmetic. */
class BenchDecodeCommandTest {

    static Path model(String name) throws Exception {
        return Path.of(BenchDecodeCommandTest.class.getResource("/golden/" + name + "/model/config.json").toURI()).getParent();
    }

    @Test
    void weightBytesPerTokenCountEveryMatrixAndOneEmbeddingRow() throws Exception {
        // llama: C 64, I 172, 2 layers, KVH*D 32, V 256, untied, f32. Per layer q 64*64, k and v 32*64, o 64*64,
        // gate/up/down 172*64 each = 45312, two norms 128; head 256*64; final norm 64; one embedding row 64.
        assertEquals(4L * (2 * (45312 + 128) + 256 * 64 + 64 + 64), BenchDecodeCommand.weightBytesPerToken(ModelLoader.load(model("llama"), false)));
        // llama3-bf16: I 128, KVH*D 16, V 300, tied (the head reads the whole embedding), 2 bytes per weight.
        // Per layer 4096 + 1024 + 1024 + 4096 + 3 * 8192 = 34816, norms 128.
        assertEquals(2L * (2 * (34816 + 128) + 300 * 64 + 64), BenchDecodeCommand.weightBytesPerToken(ModelLoader.load(model("llama3-bf16"), false)));
        // gpt2: C 64, I 256, Conv1D weights with biases: c_attn 64*192+192, c_proj 64*64+64, c_fc 64*256+256,
        // mlp c_proj 256*64+64, ln_1/ln_2 weight+bias 256 = 49984 per layer; head = wte 256*64; one wpe row; ln_f 128.
        assertEquals(4L * (2 * 49984 + 256 * 64 + 64 + 128), BenchDecodeCommand.weightBytesPerToken(ModelLoader.load(model("gpt2"), false)));
    }

    @Test
    void theJsonReportIsConsistent() throws Exception {
        Cli r = Cli.run("bench", "decode", "--model", model("llama").toString(), "--tokens", "4", "--prompt-tokens", "8",
                "--runs", "3", "--bandwidth-mib", "16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals(429568, o.get("weight_bytes_per_token").asLong());
        JsonNode rounds = o.get("rounds");
        assertEquals(3, rounds.size());
        double best = 0, copy = 0;
        double[] fCopy = new double[3], fRead = new double[3];
        for (int i = 0; i < 3; i++) {
            JsonNode x = rounds.get(i);
            double tps = x.get("decode_tokens_per_s").asDouble();
            best = Math.max(best, tps);
            copy = Math.max(copy, x.get("copy_bandwidth_bytes_per_s").asDouble());
            fCopy[i] = 429568 * tps / x.get("copy_bandwidth_bytes_per_s").asDouble();
            fRead[i] = 429568 * tps / x.get("read_bandwidth_bytes_per_s").asDouble();
        }
        java.util.Arrays.sort(fCopy);
        java.util.Arrays.sort(fRead);
        assertEquals(best, o.get("decode_tokens_per_s").asDouble(), 0.01, "the best round");
        assertEquals(429568 * best, o.get("decode_bytes_per_s").asDouble(), 1e-3 * 429568 * best);
        assertEquals(copy, o.get("copy_bandwidth_bytes_per_s").asDouble(), 1e-3 * copy);
        assertEquals(fCopy[1], o.get("fraction_of_copy_bandwidth").asDouble(), 1e-3 * fCopy[1] + 1e-4, "median of the rounds' ratios");
        assertEquals(fRead[1], o.get("fraction_of_read_bandwidth").asDouble(), 1e-3 * fRead[1] + 1e-4);
    }

    @Test
    void moreTokensThanTheContextAreRefused() throws Exception {
        Cli r = Cli.run("bench", "decode", "--model", model("gpt2").toString(), "--tokens", "60", "--prompt-tokens", "8");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("68 exceeds the model's context of 64 tokens"), r.err());
    }
}
