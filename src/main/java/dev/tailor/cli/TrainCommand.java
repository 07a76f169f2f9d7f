package dev.tailor.cli;

import dev.tailor.data.DataFormat;
import dev.tailor.data.DatasetBuilder;
import dev.tailor.data.Packing;
import dev.tailor.data.TokenRow;
import dev.tailor.data.TokenizerEncoder;
import dev.tailor.train.CheckpointStore;
import dev.tailor.peft.BottleneckConfig;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.PromptTuningConfig;
import dev.tailor.tokenizer.Tokenizer;
import dev.tailor.train.PromptOptions;
import dev.tailor.peft.selective.FreezeTuning;
import dev.tailor.train.MethodOptions;
import dev.tailor.peft.Targets;
import dev.tailor.train.Methods;
import dev.tailor.train.Schedule;
import dev.tailor.train.TrainConfig;
import dev.tailor.train.TrainData;
import dev.tailor.train.Trainable;
import dev.tailor.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code tailor train}: instruction fine-tuning (and continued pre-training) of a Hugging Face model. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a model on JSONL/JSON rows (alpaca, sharegpt, chat, prompt-completion, text, tokenized) or a .txt file.")
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", description = "YAML file of options (keys are flag names, e.g. 'lr: 1e-4'); flags given on the command line win")
    Path config;
    @Option(names = "--model", required = true, description = "Hugging Face model folder") Path model;
    @Option(names = "--data", required = true, description = "training file (.jsonl, .json or .txt)") Path data;
    @Option(names = "--output", required = true, description = "folder for checkpoints, metrics, the loss curve and the trained model") Path output;
    @Option(names = "--method", defaultValue = "full",
            description = "full, lora, dora, qlora, adapter (bottleneck), ia3, bitfit, freeze, hft, prompt, prefix, ptuning-v2 or mezo (default: ${DEFAULT-VALUE})") String method;
    @Option(names = {"--lora-r", "--rank"}, defaultValue = "16", description = "LoRA rank r (default: ${DEFAULT-VALUE})") int loraR;
    @Option(names = "--lora-alpha", defaultValue = "32", description = "LoRA alpha; the update is scaled by alpha/r (default: ${DEFAULT-VALUE})") double loraAlpha;
    @Option(names = "--lora-dropout", defaultValue = "0", description = "dropout on the LoRA input (default: ${DEFAULT-VALUE})") double loraDropout;
    @Option(names = {"--target-modules", "--targets"},
            description = "all-linear, comma-separated module names (q_proj,v_proj) or a regex over module paths (default: all-linear; "
                    + "ia3: k_proj,v_proj,down_proj, GPT-2 c_attn,mlp.c_proj)") String targetModules;
    @Option(names = "--feedforward-modules", description = "ia3: target modules scaled on their input (default: down_proj, GPT-2 mlp.c_proj)") String feedforwardModules;
    @Option(names = "--adapter-type", defaultValue = "houlsby", description = "adapter: houlsby (after attention and MLP) or pfeiffer (after MLP) (default: ${DEFAULT-VALUE})")
    String adapterType;
    @Option(names = "--adapter-size", defaultValue = "0", description = "adapter: bottleneck width m, 0 = hidden size / 16 (default: ${DEFAULT-VALUE})") int adapterSize;
    @Option(names = "--adapter-nonlinearity", description = "adapter: relu, gelu or silu (default: silu for houlsby, relu for pfeiffer)") String adapterNonlinearity;
    @Option(names = "--freeze-trainable-layers", defaultValue = "2", description = "freeze: train the last k blocks (k < 0: the first |k|) (default: ${DEFAULT-VALUE})")
    int freezeLayers;
    @Option(names = "--freeze-trainable-modules", defaultValue = "all",
            description = "freeze: modules inside those blocks that train, all or names such as mlp,self_attn (default: ${DEFAULT-VALUE})") String freezeModules;
    @Option(names = "--hft-round-steps", defaultValue = "0", description = "hft: steps before a new half is chosen, 0 = one choice for the run (default: ${DEFAULT-VALUE})")
    int hftRoundSteps;
    @Option(names = "--noisytune", defaultValue = "0", description = "NoisyTune: perturb trained pretrained weights by U(-λ/2, λ/2)·std before training, 0 = off (default: ${DEFAULT-VALUE})")
    double noisyTune;
    @Option(names = "--use-rslora", description = "scale the update by alpha/sqrt(r) (rsLoRA)") boolean useRslora;
    @Option(names = "--loraplus-lr-ratio", defaultValue = "0", description = "LoRA+: learning rate of B over A's, 0 = off (default: ${DEFAULT-VALUE})") double loraplusRatio;
    @Option(names = "--num-virtual-tokens", defaultValue = "20", description = "prompt, prefix, ptuning-v2: virtual tokens l (default: ${DEFAULT-VALUE})") int numVirtualTokens;
    @Option(names = "--prompt-init", defaultValue = "random",
            description = "prompt: random, sample-vocab, text (--prompt-init-text) or class-labels (--prompt-init-labels) (default: ${DEFAULT-VALUE})") String promptInit;
    @Option(names = "--prompt-init-text", description = "prompt: start the virtual tokens as this text's embeddings (implies --prompt-init text)") String promptInitText;
    @Option(names = "--prompt-init-labels", split = ",", description = "prompt: class-label words; virtual token i starts as label i's embedding (implies --prompt-init class-labels)")
    List<String> promptInitLabels;
    @Option(names = "--encoder-hidden-size", defaultValue = "0", description = "prefix: hidden width of the reparameterisation MLP, 0 = the key width (default: ${DEFAULT-VALUE})")
    int encoderHiddenSize;
    @Option(names = "--mezo-params", defaultValue = "lora", description = "mezo: full or lora (the LoRA flags apply) (default: ${DEFAULT-VALUE})") String mezoParams;
    @Option(names = "--mezo-eps", defaultValue = "1e-3", description = "mezo: perturbation scale ε (default: ${DEFAULT-VALUE})") double mezoEps;
    @Option(names = "--tokenizer", description = "tokenizer folder (default: the model folder)") Path tokenizer;
    @Option(names = "--format", description = "data format instead of detecting it: alpaca, sharegpt, chat, prompt-completion, text, tokenized") String format;
    @Option(names = "--max-length", defaultValue = "1024", description = "longest row in tokens, at most the model's context (default: ${DEFAULT-VALUE})") int maxLength;
    @Option(names = "--overlong", defaultValue = "truncate", description = "rows longer than --max-length: truncate or drop (default: ${DEFAULT-VALUE})") String overlong;
    @Option(names = "--train-on-prompt", description = "count prompt tokens in the loss too") boolean trainOnPrompt;
    @Option(names = "--skip-bad-rows", description = "skip malformed rows with a warning instead of stopping") boolean skipBadRows;
    @Option(names = "--packing", description = "pack short rows into --max-length sequences (no attention across rows)") boolean packing;
    @Option(names = "--checkpointing", description = "activation checkpointing: keep only each block's input and recompute it in backward") boolean checkpointing;
    @Option(names = "--eval-data", description = "held-out file to evaluate on") Path evalData;
    @Option(names = "--eval-split", defaultValue = "0", description = "fraction of the training rows held out for evaluation (default: ${DEFAULT-VALUE})") double evalSplit;
    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd (default: ${DEFAULT-VALUE})") String optimizer;
    @Option(names = {"--lr", "--learning-rate"}, defaultValue = "5e-5", description = "peak learning rate (default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--weight-decay", defaultValue = "0", description = "weight decay on matrices (default: ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--beta1", defaultValue = "0.9") double beta1;
    @Option(names = "--beta2", defaultValue = "0.999") double beta2;
    @Option(names = "--eps", defaultValue = "1e-8") double eps;
    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum") double momentum;
    @Option(names = "--schedule", defaultValue = "linear", description = "cosine, linear or constant after warmup (default: ${DEFAULT-VALUE})") String schedule;
    @Option(names = "--warmup-steps", defaultValue = "-1", description = "warmup steps (default: from --warmup-ratio)") int warmupSteps;
    @Option(names = "--warmup-ratio", defaultValue = "0", description = "warmup as a fraction of the run (default: ${DEFAULT-VALUE})") double warmupRatio;
    @Option(names = "--batch-size", defaultValue = "1", description = "sequences per micro-batch (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per optimizer step (default: ${DEFAULT-VALUE})") int gradAccum;
    @Option(names = "--epochs", defaultValue = "1", description = "passes over the data (default: ${DEFAULT-VALUE})") int epochs;
    @Option(names = "--max-steps", defaultValue = "0", description = "optimizer steps (default: from --epochs)") int maxSteps;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "global gradient-norm clip, 0 = none (default: ${DEFAULT-VALUE})") double maxGradNorm;
    @Option(names = "--logging-steps", defaultValue = "1", description = "progress line every N steps (default: ${DEFAULT-VALUE})") int loggingSteps;
    @Option(names = "--eval-steps", defaultValue = "0", description = "evaluate every N steps, 0 = at the end (default: ${DEFAULT-VALUE})") int evalSteps;
    @Option(names = "--save-steps", defaultValue = "0", description = "checkpoint every N steps, 0 = at the end (default: ${DEFAULT-VALUE})") int saveSteps;
    @Option(names = "--save-total-limit", defaultValue = "0", description = "keep the newest N checkpoints, 0 = all (default: ${DEFAULT-VALUE})") int saveTotalLimit;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the data order and eval split (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--no-shuffle", description = "keep the file order instead of reshuffling every epoch") boolean noShuffle;
    @Option(names = "--max-bad-steps", defaultValue = "5", description = "stop after N non-finite steps in a row (default: ${DEFAULT-VALUE})") int maxBadSteps;
    @Option(names = "--resume", arity = "0..1", fallbackValue = "latest", description = "continue from the latest checkpoint in --output, or from the given checkpoint folder")
    String resume;

    @Override
    public Integer call() throws IOException {
        if (config != null) return fromConfig();
        PrintStream err = System.err;
        Trainable target = Methods.prepare(method, model, methodOptions().withPrompts(promptOptions()));
        if (checkpointing) {
            // A recomputed block would draw a new dropout mask and get gradients of a different forward.
            if (loraDropout > 0) throw new IllegalArgumentException("--checkpointing cannot be combined with --lora-dropout " + loraDropout + " (the recomputed forward would draw a new dropout mask)");
            target.model().checkpointing(true);
        }
        int contextLength = Math.min(maxLength, target.model().config().maxPositionEmbeddings());
        if (contextLength < 2) throw new IllegalArgumentException("--max-length must be at least 2, got " + maxLength);
        Path tokDir = tokenizer != null ? tokenizer : model;
        TokenizerEncoder encoder = Files.isRegularFile(tokDir.resolve("tokenizer.json")) ? TokenizerEncoder.load(tokDir, target.model().config().eosTokenIds()) : null;
        var opts = new DatasetBuilder.Options(format == null ? null : DataFormat.parse(format), contextLength, overlong(),
                trainOnPrompt, skipBadRows, target.model().config().vocabSize());
        DatasetBuilder.Result train = DatasetBuilder.build(data, encoder, opts);
        report(err, data, train);
        List<TokenRow> rows = new ArrayList<>(train.rows()), eval = new ArrayList<>();
        if (evalData != null) {
            DatasetBuilder.Result e = DatasetBuilder.build(evalData, encoder, opts);
            report(err, evalData, e);
            eval.addAll(e.rows());
        } else if (evalSplit > 0) {
            split(rows, eval);
        }
        List<List<TokenRow>> sequences = packing ? Packing.pack(rows, contextLength) : rows.stream().map(List::of).toList();
        if (packing) err.printf("packing: %,d rows into %,d sequences of at most %d tokens%n", rows.size(), sequences.size(), contextLength);
        TrainData td = new TrainData(sequences, eval, encoder == null ? 0 : encoder.padId());
        Trainer trainer = new Trainer(target, td, trainConfig(), output, err, System.console() != null);
        err.println(Trainer.summary(target));
        err.printf("%,d training sequences, %,d eval rows, %d steps (batch %d x accumulation %d)%n", sequences.size(), eval.size(),
                trainer.totalSteps(), batchSize, gradAccum);
        Trainer.Result r = trainer.run(resumePath());
        System.out.printf(Locale.ROOT, "trained %s for %d steps: last loss %.4f%s; model in %s, metrics in %s, curve in %s%n", method, r.lastStep(),
                r.losses().isEmpty() ? Double.NaN : r.losses().getLast(), r.evalLosses().isEmpty() ? "" : String.format(Locale.ROOT, ", eval loss %.4f", r.evalLosses().getLast()),
                output, output.resolve("metrics.jsonl"), output.resolve("loss.png"));
        return 0;
    }

    private MethodOptions methodOptions() {
        LoraConfig lora = LoraConfig.of(loraR, loraAlpha, targets(targetModules == null ? Targets.ALL_LINEAR : targetModules))
                .withDropout(loraDropout).withRslora(useRslora);
        if (loraplusRatio > 0) lora = lora.withLoraPlusLrRatio(loraplusRatio);
        BottleneckConfig.Type type = BottleneckConfig.Type.parse(adapterType.toLowerCase(Locale.ROOT));
        BottleneckConfig adapter = new BottleneckConfig(type, adapterSize,
                adapterNonlinearity == null ? type.defaultNonlinearity() : BottleneckConfig.Nonlinearity.parse(adapterNonlinearity));
        return MethodOptions.defaults().withLora(lora).withAdapter(adapter)
                .withTargets(targetModules == null ? null : targets(targetModules), feedforwardModules == null ? null : targets(feedforwardModules))
                .withFreeze(freezeLayers, FreezeTuning.names(freezeModules)).withHftRoundSteps(hftRoundSteps).withNoisyTune(noisyTune).withSeed(seed);
    }

    PromptOptions promptOptions() throws IOException {
        PromptTuningConfig.Init init = promptInitText != null ? PromptTuningConfig.Init.TEXT
                : promptInitLabels != null ? PromptTuningConfig.Init.CLASS_LABELS
                : switch (promptInit.toLowerCase(Locale.ROOT)) {
                    case "random" -> PromptTuningConfig.Init.RANDOM;
                    case "sample-vocab" -> PromptTuningConfig.Init.SAMPLE_VOCAB;
                    default -> throw new IllegalArgumentException("--prompt-init must be random or sample-vocab (text and class-labels come with "
                            + "--prompt-init-text and --prompt-init-labels), got '" + promptInit + "'");
                };
        List<List<Integer>> ids = new ArrayList<>();
        Path tokDir = tokenizer != null ? tokenizer : model;
        if (init == PromptTuningConfig.Init.TEXT || init == PromptTuningConfig.Init.CLASS_LABELS) {
            try (Tokenizer tok = Tokenizer.load(tokDir)) {
                // PEFT tokenizes the init text with the special tokens; a label word is its own tokens.
                if (init == PromptTuningConfig.Init.TEXT) ids.add(boxed(tok.encode(promptInitText, true)));
                else for (String label : promptInitLabels) ids.add(boxed(tok.encode(label, false)));
            }
        }
        var prompt = new PromptTuningConfig(numVirtualTokens, init, promptInitText, init == PromptTuningConfig.Init.TEXT ? tokDir.toString() : null, ids);
        return new PromptOptions(prompt, numVirtualTokens, encoderHiddenSize, PromptOptions.MezoParams.parse(mezoParams), mezoEps, weightDecay);
    }

    private static List<Integer> boxed(int[] ids) {
        List<Integer> out = new ArrayList<>(ids.length);
        for (int id : ids) out.add(id);
        return out;
    }

    /** PEFT's target_modules from a flag: all-linear, a name list, or (with regex characters) one regex. */
    static Targets targets(String s) {
        if (s.equals(Targets.ALL_LINEAR)) return new Targets.AllLinear();
        if (s.matches("[\\w.,]+")) return new Targets.Names(List.of(s.split(",")));
        return new Targets.Regex(s);
    }

    private DatasetBuilder.Overlong overlong() {
        return switch (overlong.toLowerCase(Locale.ROOT)) {
            case "truncate" -> DatasetBuilder.Overlong.TRUNCATE;
            case "drop" -> DatasetBuilder.Overlong.DROP;
            default -> throw new IllegalArgumentException("--overlong must be truncate or drop, got '" + overlong + "'");
        };
    }

    TrainConfig trainConfig() {
        return new TrainConfig(TrainConfig.Optim.parse(optimizer), lr, weightDecay, beta1, beta2, eps, momentum, Schedule.Shape.parse(schedule),
                warmupSteps, warmupRatio, batchSize, gradAccum, epochs, maxSteps, maxGradNorm, loggingSteps, evalSteps, saveSteps,
                saveTotalLimit, seed, !noShuffle, maxBadSteps);
    }

    /** Moves a seeded random --eval-split fraction of {@code rows} (at least one row) into {@code eval}. */
    private void split(List<TokenRow> rows, List<TokenRow> eval) {
        if (evalSplit >= 1) throw new IllegalArgumentException("--eval-split must be below 1, got " + evalSplit);
        int n = Math.max(1, (int) Math.round(evalSplit * rows.size()));
        if (n >= rows.size()) throw new IllegalArgumentException("--eval-split " + evalSplit + " leaves no training rows out of " + rows.size());
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = rows.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            TokenRow t = rows.get(i); rows.set(i, rows.get(j)); rows.set(j, t);
        }
        eval.addAll(rows.subList(0, n));
        rows.subList(0, n).clear();
    }

    private Path resumePath() {
        if (resume == null) return null;
        if (!resume.equals("latest")) return Path.of(resume);
        return new CheckpointStore(output).latest().orElseThrow(() ->
                new IllegalArgumentException("--resume: no complete checkpoint in " + output + " to continue from"));
    }

    private static void report(PrintStream err, Path file, DatasetBuilder.Result r) {
        err.println(file + " (" + r.format().flag + "): " + r.report().summary());
        for (String w : r.report().warnings()) err.println("warning: skipped " + w);
        if (r.report().bad() > r.report().warnings().size()) err.println("warning: ... and " + (r.report().bad() - r.report().warnings().size()) + " more bad rows");
    }

    /** Re-parses the command line with the YAML file's options in front, so flags given on the command line win. */
    private Integer fromConfig() throws IOException {
        List<String> args = new ArrayList<>(YamlOptions.read(config, spec));
        List<String> given = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        int at = given.indexOf(spec.name()); // the top-level parse keeps "train" and anything before it
        args.addAll(at >= 0 ? given.subList(at + 1, given.size()) : given);
        TrainCommand merged = new TrainCommand();
        CommandLine cl = new CommandLine(merged);
        cl.setOverwrittenOptionsAllowed(true);
        cl.parseArgs(args.toArray(String[]::new));
        merged.config = null;
        return merged.call();
    }
}
