package dev.tailor.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.eval.InstructionTask;
import dev.tailor.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generates the demo's instruction data (src/main/resources/demo/train.jsonl and eval.jsonl)
 * from the pretraining corpus and a seed; the same corpus and seed give the same bytes.
 * <ol>
 *   <li>Words: the {@value #WORDS} most frequent all-lowercase words of 3 to 8 letters in the
 *       corpus (ties by spelling), so the pretrained model knows every one of them.</li>
 *   <li>They are shuffled; the first {@value #HELD_OUT} are held out: no training row uses them.</li>
 *   <li>Training: {@value #TRAIN_ROWS} rows, the tasks in turn, words drawn from the rest; the
 *       rows are shuffled. The yes/no task asks about the same word half of the time.</li>
 *   <li>Evaluation: per task {@value #EVAL_PER_GROUP} rows on held-out words and
 *       {@value #EVAL_PER_GROUP} on training words, each with an instruction that is in no
 *       training row and in no other evaluation row.</li>
 * </ol>
 * Run: {@code java -cp "target/classes:target/lib/*" dev.tailor.demo.InstructionDataset CORPUS.txt OUT_DIR [SEED]}.
 */
public final class InstructionDataset {

    public static final long SEED = 1606;
    public static final int WORDS = 500;
    public static final int HELD_OUT = 100;
    public static final int TRAIN_ROWS = 2000;
    public static final int EVAL_PER_GROUP = 20;

    private static final Pattern LOWER_WORD = Pattern.compile("(?<![A-Za-z'])[a-z]{3,8}(?![A-Za-z'])");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The two files' contents, one JSON object per line. */
    public record Generated(String train, String eval) {}

    private InstructionDataset() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: InstructionDataset CORPUS.txt OUT_DIR [SEED]   (seed defaults to " + SEED + ")");
            System.exit(2);
        }
        String corpus = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        Generated out = generate(corpus, args.length == 3 ? Long.parseLong(args[2]) : SEED);
        Path dir = Path.of(args[1]);
        AtomicFile.writeString(dir.resolve("train.jsonl"), out.train());
        AtomicFile.writeString(dir.resolve("eval.jsonl"), out.eval());
        System.out.println("wrote " + dir.resolve("train.jsonl") + " and " + dir.resolve("eval.jsonl"));
    }

    /** The {@code n} most frequent lowercase words of 3 to 8 letters, most frequent first. */
    public static List<String> commonWords(String corpus, int n) {
        Map<String, int[]> counts = new HashMap<>();
        Matcher m = LOWER_WORD.matcher(corpus);
        while (m.find()) counts.computeIfAbsent(m.group(), w -> new int[1])[0]++;
        List<String> words = new ArrayList<>(counts.keySet());
        words.sort((a, b) -> counts.get(a)[0] != counts.get(b)[0]
                ? Integer.compare(counts.get(b)[0], counts.get(a)[0]) : a.compareTo(b));
        if (words.size() < n) {
            throw new IllegalArgumentException("the corpus has " + words.size() + " distinct lowercase words of 3-8 letters;"
                    + " expected at least " + n);
        }
        return List.copyOf(words.subList(0, n));
    }

    /** Both files for {@code corpus} and {@code seed}. */
    public static Generated generate(String corpus, long seed) {
        Random rnd = new Random(seed);
        List<String> words = new ArrayList<>(commonWords(corpus, WORDS));
        shuffle(words, rnd);
        List<String> heldOut = words.subList(0, HELD_OUT);
        List<String> seen = words.subList(HELD_OUT, WORDS);
        InstructionTask[] tasks = InstructionTask.values();

        List<String> train = new ArrayList<>();
        Set<String> trainPrompts = new HashSet<>();
        for (int i = 0; i < TRAIN_ROWS; i++) {
            InstructionTask task = tasks[i % tasks.length];
            List<String> ws = draw(task, seen, rnd);
            trainPrompts.add(task.prompt(ws));
            train.add(row(task, ws, null));
        }
        shuffle(train, rnd);

        List<String> eval = new ArrayList<>();
        Set<String> used = new HashSet<>(trainPrompts);
        for (InstructionTask task : tasks) {
            for (boolean held : new boolean[] {true, false}) {
                for (int k = 0; k < EVAL_PER_GROUP; k++) {
                    List<String> ws = drawUnused(task, held ? heldOut : seen, used, rnd);
                    eval.add(row(task, ws, held));
                }
            }
        }
        return new Generated(lines(train), lines(eval));
    }

    /** Words for one instruction: three different words for "last", the same word half the time for "same". */
    private static List<String> draw(InstructionTask task, List<String> pool, Random rnd) {
        String a = pick(pool, rnd);
        return switch (task) {
            case SAY, REPEAT, UPPER -> List.of(a);
            case SAME -> rnd.nextBoolean() ? List.of(a, a) : List.of(a, pickOther(pool, rnd, Set.of(a)));
            case LAST -> {
                String b = pickOther(pool, rnd, Set.of(a));
                yield List.of(a, b, pickOther(pool, rnd, Set.of(a, b)));
            }
        };
    }

    /** Draws until the instruction is new, and marks it used. */
    private static List<String> drawUnused(InstructionTask task, List<String> pool, Set<String> used, Random rnd) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            List<String> ws = draw(task, pool, rnd);
            if (used.add(task.prompt(ws))) return ws;
        }
        throw new IllegalStateException("no unused instruction left for task " + task.id() + " over " + pool.size() + " words");
    }

    private static String pick(List<String> pool, Random rnd) {
        return pool.get(rnd.nextInt(pool.size()));
    }

    private static String pickOther(List<String> pool, Random rnd, Set<String> not) {
        String w;
        do w = pick(pool, rnd); while (not.contains(w));
        return w;
    }

    /** Fisher-Yates with {@link Random#nextInt(int)}: fixed by the seed on every JDK. */
    private static <T> void shuffle(List<T> list, Random rnd) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /** One JSONL row; {@code heldOut} is null for training rows, which do not carry the field. */
    private static String row(InstructionTask task, List<String> words, Boolean heldOut) {
        ObjectNode row = JSON.createObjectNode();
        row.put("task", task.id());
        ArrayNode ws = row.putArray("words");
        words.forEach(ws::add);
        if (heldOut != null) row.put("held_out", heldOut);
        ArrayNode messages = row.putArray("messages");
        messages.addObject().put("role", "user").put("content", task.prompt(words));
        messages.addObject().put("role", "assistant").put("content", task.expected(words));
        return row.toString();
    }

    private static String lines(List<String> rows) {
        return String.join("\n", rows) + "\n";
    }
}
