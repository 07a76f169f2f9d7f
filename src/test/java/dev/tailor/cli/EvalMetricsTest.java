package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.data.DatasetBuilder;
import dev.tailor.data.TokenizerEncoder;
import dev.tailor.eval.LossEvaluator;
import dev.tailor.eval.RougeL;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code tailor eval --metrics} on a tiny random model over the demo tokenizer. The model's text is
 * noise, so the scores are pinned by construction: references set to the model's own greedy
 * output score 100, references sharing no word with it score 0, and two rows asking the same
 * question with different right answers give exactly one correct.
 */
class EvalMetricsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path shared;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = TinyDemoModel.write(shared.resolve("model"), 25f);
    }

    static Path file(Path dir, String name, String... rows) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", rows) + "\n");
        return f;
    }

    static String row(Map<String, Object> fields) throws IOException { return JSON.writeValueAsString(fields); }

    static JsonNode evalJson(Path data, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("eval", "--model", model.toString(), "--data", data.toString(), "--json", "--max-new-tokens", "8"));
        args.addAll(List.of(extra));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return JSON.readTree(r.out());
    }

    static List<JsonNode> perRow(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) out.add(JSON.readTree(line));
        return out;
    }

    static final String[] CHAT = {
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Say the word moon.\"}, {\"role\": \"assistant\", \"content\": \"moon\"}]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Repeat star twice.\"}, {\"role\": \"assistant\", \"content\": \"star star\"}]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Write sun in capital letters.\"}, {\"role\": \"assistant\", \"content\": \"SUN\"}]}",
    };

    @Test
    void generationMetricsLeaveTheLossAsPlainEvalAndTrainingComputeIt(@TempDir Path tmp) throws Exception {
        Path data = file(tmp, "chat.jsonl", CHAT);
        JsonNode plain = evalJson(data);
        JsonNode all = evalJson(data, "--metrics", "loss,perplexity,rouge-l,bleu,exact-match");
        // 1e-5 relative (the loss contract): two forwards of the same rows may round differently in float32
        // (the parallel split of the work), so the last printed digit can move.
        assertEquals(plain.get("loss").asDouble(), all.get("loss").asDouble(), 1e-5 * plain.get("loss").asDouble());
        assertEquals(plain.get("tokens").asLong(), all.get("tokens").asLong());
        // Independently: the rows as `tailor train` builds them (DatasetBuilder), scored by LossEvaluator.
        var config = ModelConfig.load(model);
        var rows = DatasetBuilder.build(data, TokenizerEncoder.load(model, config.eosTokenIds()),
                new DatasetBuilder.Options(null, 256, DatasetBuilder.Overlong.TRUNCATE, false, false, config.vocabSize())).rows();
        LossEvaluator.Result expected = LossEvaluator.evaluate(ModelLoader.load(model, false), rows);
        assertEquals(expected.loss(), plain.get("loss").asDouble(), 1e-5 * expected.loss());
        assertEquals(expected.tokens(), plain.get("tokens").asLong());
    }

    @Test
    void referencesEqualToTheGreedyOutputScoreHundredAndUnrelatedOnesZero(@TempDir Path tmp) throws Exception {
        Path first = file(tmp, "first.jsonl",
                row(Map.of("prompt", "Say the word moon.", "reference", "x")),
                row(Map.of("prompt", "Repeat star twice.", "reference", "x")),
                CHAT[2],
                row(Map.of("prompt", "Which word comes last: fear past patience?", "reference", "x")));
        Path rowsFile = tmp.resolve("first-rows.jsonl");
        evalJson(first, "--metrics", "rouge-l", "--per-row", rowsFile.toString());
        List<String> predictions = perRow(rowsFile).stream().map(n -> n.get("prediction").asText()).toList();
        for (String p : predictions) assertTrue(RougeL.tokenize(p).size() >= 4, "the scaled model should write words, wrote '" + p + "'");

        List<String> same = new ArrayList<>(), half = new ArrayList<>();
        String[] prompts = {"Say the word moon.", "Repeat star twice.", null, "Which word comes last: fear past patience?"};
        for (int i = 0; i < 4; i++) {
            String ref = predictions.get(i), unrelated = "zzzq qqqz";
            if (prompts[i] == null) { // the chat row: its reference is the assistant turn
                same.add(CHAT[2].replace("\"SUN\"", JSON.writeValueAsString(ref)));
                half.add(CHAT[2].replace("\"SUN\"", JSON.writeValueAsString(i % 2 == 0 ? ref : unrelated)));
            } else {
                same.add(row(Map.of("prompt", prompts[i], "reference", ref)));
                half.add(row(Map.of("prompt", prompts[i], "reference", i % 2 == 0 ? ref : unrelated)));
            }
        }
        JsonNode s = evalJson(file(tmp, "same.jsonl", same.toArray(String[]::new)), "--metrics", "rouge-l,bleu,exact-match", "--em-normalize", "none");
        assertEquals(100.0, s.get("rouge_l").asDouble(), 1e-9);
        assertEquals(100.0, s.get("bleu").asDouble(), 1e-9);
        assertEquals(100.0, s.get("exact_match").asDouble(), 0.0);

        Path halfRows = tmp.resolve("half-rows.jsonl");
        JsonNode h = evalJson(file(tmp, "half.jsonl", half.toArray(String[]::new)), "--metrics", "rouge-l,exact-match",
                "--em-normalize", "none", "--per-row", halfRows.toString());
        assertEquals(50.0, h.get("exact_match").asDouble(), 0.0);
        assertEquals(50.0, h.get("rouge_l").asDouble(), 1e-9); // mean of 100, 0, 100, 0
        List<JsonNode> rows = perRow(halfRows);
        for (int i = 0; i < 4; i++) {
            assertEquals(i % 2 == 0, rows.get(i).get("exact_match").asBoolean());
            assertEquals(i % 2 == 0 ? 100.0 : 0.0, rows.get(i).get("rouge_l").asDouble(), 1e-9);
            assertEquals(tmp.resolve("half.jsonl") + ":" + (i + 1), rows.get(i).get("row").asText());
        }
    }

    @Test
    void batchedGenerationGivesEachRowWhatItGetsAlone(@TempDir Path tmp) throws Exception {
        Path data = file(tmp, "p.jsonl",
                row(Map.of("prompt", "Say the word moon.", "reference", "moon")),
                row(Map.of("prompt", "Which word comes last: fear past patience?", "reference", "patience")),
                CHAT[1]);
        Path one = tmp.resolve("one.jsonl"), three = tmp.resolve("three.jsonl");
        evalJson(data, "--metrics", "exact-match", "--batch-size", "1", "--per-row", one.toString());
        evalJson(data, "--metrics", "exact-match", "--batch-size", "3", "--per-row", three.toString());
        assertEquals(perRow(one).stream().map(n -> n.get("prediction")).toList(), perRow(three).stream().map(n -> n.get("prediction")).toList());
    }

    @Test
    void theSameQuestionWithDifferentAnswersIsRightExactlyOnce(@TempDir Path tmp) throws Exception {
        Path data = file(tmp, "mc.jsonl",
                "{\"question\": \"Is the moon a star?\", \"choices\": [\" yes\", \" no\"], \"answer\": 0}",
                "{\"question\": \"Is the moon a star?\", \"choices\": [\" yes\", \" no\"], \"answer\": \" no\"}");
        Path rows = tmp.resolve("rows.jsonl");
        JsonNode r = evalJson(data, "--metrics", "accuracy", "--per-row", rows.toString());
        assertEquals(50.0, r.get("accuracy").asDouble(), 0.0);
        List<JsonNode> per = perRow(rows);
        assertEquals(per.get(0).get("predicted").asInt(), per.get(1).get("predicted").asInt());
        for (int c = 0; c < 2; c++) { // the same forward twice; the parallel split of the work may round differently (float32)
            double ll = per.get(0).get("choice_log_likelihoods").get(c).asDouble();
            assertEquals(ll, per.get(1).get("choice_log_likelihoods").get(c).asDouble(), 1e-5 * Math.abs(ll));
        }
        assertNotEquals(per.get(0).get("correct").asBoolean(), per.get(1).get("correct").asBoolean());
    }

    @Test
    void aRowWithoutReferenceIsRefusedWithFileAndRow(@TempDir Path tmp) throws Exception {
        Path data = file(tmp, "p.jsonl", row(Map.of("prompt", "Say moon.", "reference", "moon")), "{\"prompt\": \"hi\"}");
        Cli r = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--metrics", "loss,bleu");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(data + ":2: row has no reference, which [bleu] compare(s)"), r.err());

        Path text = file(tmp, "t.jsonl", "{\"text\": \"To be or not to be\"}");
        r = Cli.run("eval", "--model", model.toString(), "--data", text.toString(), "--metrics", "rouge-l");
        assertTrue(r.err().contains(text + ":1: row has no reference"), r.err());
    }

    @Test
    void accuracyWithoutChoiceRowsAndUnknownMetricsAreRefused(@TempDir Path tmp) throws Exception {
        Path data = file(tmp, "p.jsonl", row(Map.of("prompt", "Say moon.", "reference", "moon")));
        Cli r = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--metrics", "accuracy");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(data + ": accuracy needs rows with \"choices\""), r.err());
        r = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--metrics", "loss,meteor");
        assertTrue(r.err().contains("unknown metric 'meteor'; expected some of [loss, perplexity, rouge-l, bleu, exact-match, accuracy]"), r.err());
    }

    @Test
    void theSummaryTableNamesEveryMetric(@TempDir Path tmp) throws Exception {
        Path data = file(tmp, "chat.jsonl", CHAT);
        Cli r = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--max-new-tokens", "4",
                "--metrics", "loss,perplexity,rouge-l,bleu,exact-match");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("metric"), r.out());
        String[] names = {"loss", "perplexity", "rouge-l", "bleu", "exact-match"};
        for (int i = 0; i < names.length; i++) assertTrue(lines[i + 1].startsWith(names[i] + " "), r.out());
    }
}
