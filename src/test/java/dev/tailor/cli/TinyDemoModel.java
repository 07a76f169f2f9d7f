package dev.tailor.cli;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelInit;
import dev.tailor.models.ModelLoader;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A tiny random Llama over the demo tokenizer (4096 tokens, ChatML template), written by {@code init-model}. */
final class TinyDemoModel {

    private TinyDemoModel() {}

    static Path tokenizerDir() {
        try {
            return Path.of(TinyDemoModel.class.getResource("/demo/tokenizer/tokenizer.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the model into {@code dir}. The weights are scaled by {@code scale}: at the default
     * std of 0.02 the logits are near uniform and greedy decoding repeats one token; larger
     * weights give varied text.
     */
    static Path write(Path dir, float scale) throws IOException {
        Cli r = Cli.run("init-model", "--arch", "llama", "--preset", "tiny", "--seed", "3",
                "--tokenizer", tokenizerDir().toString(), "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        if (scale != 1f) {
            CausalLM m = ModelLoader.load(dir, true);
            for (var e : m.parameters().entrySet()) {
                if (e.getKey().endsWith("norm.weight")) continue;
                float[] v = e.getValue().data();
                for (int i = 0; i < v.length; i++) v[i] *= scale;
            }
            ModelInit.write(m, dir);
        }
        return dir;
    }
}
