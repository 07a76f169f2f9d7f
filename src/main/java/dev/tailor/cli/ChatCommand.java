package dev.tailor.cli;

import dev.tailor.generate.FinishReason;
import dev.tailor.generate.Generation;
import dev.tailor.generate.Generator;
import dev.tailor.generate.TextGenerator;
import dev.tailor.generate.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code tailor chat}: a conversation in the terminal. Every turn renders the whole history with
 * the model's chat template and streams the answer. {@code /reset} clears the history,
 * {@code /exit} (or end of input) leaves.
 *
 * <p>Ctrl-C while an answer is streaming stops that answer (the part shown so far stays in the
 * history) and returns to the prompt; Ctrl-C at the prompt leaves the program. This takes a
 * handler for SIGINT through {@code sun.misc.Signal} (module jdk.unsupported, present in every
 * JDK and needing no flag); the JVM's own handler is put back when the chat ends. Where the
 * platform refuses the handler (e.g. the JVM was started with -Xrs), Ctrl-C keeps its default
 * meaning and ends the program.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model in the terminal (history kept; /reset, /exit; Ctrl-C stops an answer).")
public final class ChatCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face chat model folder (config.json, weights, tokenizer.json, chat template)")
    Path model;

    @Option(names = "--adapter", description = "PEFT adapter folder applied unmerged")
    Path adapter;

    @Option(names = "--system", description = "a system message that starts every conversation")
    String system;

    @Mixin SamplingOptions options;

    /** Where the lines come from; standard input unless a test sets it. */
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    private final AtomicBoolean answering = new AtomicBoolean(), stopRequested = new AtomicBoolean();

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (TextGenerator gen = TextGenerator.open(model, adapter)) {
            SignalHandler previous = installInterruptHandler();
            try {
                out.println("chat with " + model + (adapter == null ? "" : " + " + adapter) + "  (/reset clears the history, /exit leaves, Ctrl-C stops an answer)");
                converse(gen, out);
            } finally {
                if (previous != null) Signal.handle(new Signal("INT"), previous);
            }
        }
        return 0;
    }

    private void converse(TextGenerator gen, PrintWriter out) {
        List<Map<String, String>> history = fresh();
        for (String line; (line = prompt(out)) != null; ) {
            line = line.strip();
            if (line.isEmpty()) continue;
            if (line.equals("/exit") || line.equals("/quit")) break;
            if (line.equals("/reset")) { history = fresh(); out.println("(history cleared)"); continue; }
            history.add(Map.of("role", "user", "content", line));
            int[] ids = gen.encodeChat(history);
            if (ids.length >= gen.context()) {
                history.removeLast();
                out.println("(the conversation would be " + ids.length + " tokens, the model's context is " + gen.context()
                        + "; /reset to start over or send a shorter message)");
                continue;
            }
            Generation g = answer(gen, ids, out);
            history.add(Map.of("role", "assistant", "content", g.text()));
        }
        out.flush();
    }

    /** Streams one answer; Ctrl-C (or the answer's end) returns what was generated. */
    private Generation answer(TextGenerator gen, int[] ids, PrintWriter out) {
        stopRequested.set(false);
        answering.set(true);
        try {
            Generator.Result r = gen.generate(ids, options.maxNewTokens(), options.sampling(), options.stop, new TokenListener() {
                @Override public boolean onToken(int row, int token, String text) {
                    out.print(text);
                    out.flush();
                    return !stopRequested.get();
                }
                @Override public void onFinish(int row, String text, FinishReason finish) {
                    out.println(text + (finish == FinishReason.CANCELLED ? " [stopped]" : finish == FinishReason.LENGTH ? " [length limit]" : ""));
                    out.flush();
                }
            });
            return r.generations().getFirst();
        } finally {
            answering.set(false);
        }
    }

    private String prompt(PrintWriter out) {
        out.print("> ");
        out.flush();
        try {
            return input.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the next message: " + e.getMessage(), e);
        }
    }

    private List<Map<String, String>> fresh() {
        List<Map<String, String>> h = new ArrayList<>();
        if (system != null) h.add(Map.of("role", "system", "content", system));
        return h;
    }

    /** Ctrl-C: stop the answer being streamed, or leave when none is. Returns the previous handler, or null. */
    private SignalHandler installInterruptHandler() {
        try {
            return Signal.handle(new Signal("INT"), sig -> {
                if (answering.get()) stopRequested.set(true);
                else System.exit(130); // at the prompt: leave, as a shell would (128 + SIGINT)
            });
        } catch (IllegalArgumentException e) {
            return null; // the platform keeps SIGINT to itself: Ctrl-C ends the program
        }
    }
}
