package dev.tailor.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.generate.Generation;
import dev.tailor.generate.Generator;
import dev.tailor.generate.TextGenerator;
import dev.tailor.generate.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tailor generate}: continues one prompt, streaming the text to the terminal as each token
 * is chosen (stdout gets the text only; the closing statistics go to stderr). With {@code --json}
 * nothing is streamed and one JSON object is printed at the end.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt with a model (and optionally a PEFT adapter).")
public final class GenerateCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, weights, tokenizer.json)")
    Path model;

    @Option(names = "--adapter", description = "PEFT adapter folder applied unmerged (adapter_config.json + adapter_model.safetensors)")
    Path adapter;

    @Option(names = "--prompt", required = true, description = "the prompt text")
    String prompt;

    @Option(names = "--chat", description = "wrap the prompt as a user message in the model's chat template")
    boolean chat;

    @Option(names = "--system", description = "with --chat: a system message before the prompt")
    String system;

    @Option(names = "--json", description = "print one JSON object at the end instead of streaming")
    boolean json;

    @Mixin SamplingOptions options;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (TextGenerator gen = TextGenerator.open(model, adapter)) {
            int[] ids = chat ? gen.encodeChat(messages()) : gen.encodePrompt(prompt);
            TokenListener listener = json ? TokenListener.NONE : new TokenListener() {
                @Override public boolean onToken(int row, int token, String text) { out.print(text); out.flush(); return true; }
                @Override public void onFinish(int row, String text, dev.tailor.generate.FinishReason f) { out.println(text); out.flush(); }
            };
            Generator.Result r = gen.generate(ids, options.maxNewTokens(), options.sampling(), options.stop, listener);
            Generation g = r.generations().getFirst();
            if (json) out.println(toJson(g, r));
            else err.printf(Locale.ROOT, "[%d prompt tokens, %d new tokens, %.1f tokens/s, stopped: %s]%n", g.promptTokens(),
                    g.tokens().length, tokensPerSecond(r), g.finish().name().toLowerCase(Locale.ROOT));
            out.flush();
            err.flush();
        }
        return 0;
    }

    private List<Map<String, String>> messages() {
        List<Map<String, String>> m = new ArrayList<>();
        if (system != null) m.add(Map.of("role", "system", "content", system));
        m.add(Map.of("role", "user", "content", prompt));
        return m;
    }

    /** Decode speed: tokens chosen after the first, over the passes that chose them. */
    static double tokensPerSecond(Generator.Result r) {
        return r.decodeSteps() == 0 ? 0 : r.decodeSteps() / r.decodeSeconds();
    }

    private static String toJson(Generation g, Generator.Result r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("text", g.text());
        var tokens = o.putArray("tokens");
        for (int t : g.tokens()) tokens.add(t);
        o.put("prompt_tokens", g.promptTokens());
        o.put("new_tokens", g.tokens().length);
        o.put("finish_reason", g.finish().name().toLowerCase(Locale.ROOT));
        o.put("prefill_seconds", r.prefillSeconds());
        o.put("decode_tokens_per_s", tokensPerSecond(r));
        return o.toString();
    }
}
