package dev.tailor.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/**
 * Where a run stands after a step: the part of a checkpoint that is not tensors
 * (trainer_state.json). There is no separate RNG state: the data order is drawn from (seed, epoch),
 * so (seed, step) fixes it, and nothing else in a step is random.
 *
 * @param step           optimizer steps completed
 * @param totalSteps     steps the run was planned for
 * @param epoch          epoch of the next step
 * @param offset         index, in that epoch's order, of the next step's first sequence
 * @param seed           the run's seed
 * @param sequences      training sequences (rows or packs) the run iterates over
 * @param batchSize      sequences per micro-batch
 * @param gradAccum      micro-batches per step
 * @param optimizerSteps updates the optimizer has taken (skipped steps take none)
 * @param badInARow      consecutive skipped (non-finite) steps just before this point
 */
public record TrainState(int step, int totalSteps, int epoch, int offset, long seed, int sequences, int batchSize,
                         int gradAccum, long optimizerSteps, int badInARow) {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FORMAT = "tailor-trainer-state/1";

    String toJson() throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT).put("step", step).put("total_steps", totalSteps).put("epoch", epoch).put("offset", offset)
                .put("seed", seed).put("sequences", sequences).put("batch_size", batchSize).put("grad_accum", gradAccum)
                .put("optimizer_steps", optimizerSteps).put("bad_in_a_row", badInARow);
        return JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o) + "\n";
    }

    static TrainState fromJson(String text, String where) throws IOException {
        JsonNode o = JSON.readTree(text);
        if (o == null || !FORMAT.equals(o.path("format").asText())) {
            throw new IOException(where + ": expected \"format\": \"" + FORMAT + "\", found " + (o == null ? "nothing" : o.path("format")));
        }
        return new TrainState(field(o, "step", where).asInt(), field(o, "total_steps", where).asInt(), field(o, "epoch", where).asInt(),
                field(o, "offset", where).asInt(), field(o, "seed", where).asLong(), field(o, "sequences", where).asInt(),
                field(o, "batch_size", where).asInt(), field(o, "grad_accum", where).asInt(),
                field(o, "optimizer_steps", where).asLong(), field(o, "bad_in_a_row", where).asInt());
    }

    private static JsonNode field(JsonNode o, String key, String where) throws IOException {
        JsonNode n = o.get(key);
        if (n == null || !n.isNumber()) throw new IOException(where + ": missing number \"" + key + "\"");
        return n;
    }

    /** Refuses to continue a run planned differently; names the first setting that differs. */
    void requireSameRun(TrainState now, String where) {
        check(where, "--seed", seed, now.seed);
        check(where, "--batch-size", batchSize, now.batchSize);
        check(where, "--grad-accum", gradAccum, now.gradAccum);
        check(where, "training sequences (data, --max-length, --packing or the eval split changed)", sequences, now.sequences);
        check(where, "total steps (--epochs or --max-steps)", totalSteps, now.totalSteps);
    }

    private static void check(String where, String what, long was, long is) {
        if (was != is) throw new IllegalArgumentException("cannot resume from " + where + ": it was written with " + what + " = " + was + ", this run has " + is);
    }
}
