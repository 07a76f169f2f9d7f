package dev.tailor.models;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.tensor.Tensor;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The golden fixtures in src/test/resources/golden and the comparisons the golden tests share. */
public final class Golden {

    private Golden() {}

    /** The folder of fixture {@code name}: model/, lora/, dora/ and golden.safetensors. */
    public static Path fixture(String name) {
        try {
            return Path.of(Golden.class.getResource("/golden/" + name + "/golden.safetensors").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The golden batch: input_ids and labels, both (2, 17). */
    public record Batch(Inputs inputs, int[] labels) {
        public static Batch of(SafetensorsFile golden) {
            int b = golden.info("input_ids").shape().dim(0), t = golden.info("input_ids").shape().dim(1);
            return new Batch(Inputs.of(toInts(golden.longs("input_ids")), b, t), toInts(golden.longs("labels")));
        }

        private static int[] toInts(long[] v) {
            int[] out = new int[v.length];
            for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
            return out;
        }
    }

    /** Every element of {@code actual} within {@code tol} of {@code expected}; names the worst one. */
    public static void assertClose(String what, Tensor expected, float[] actual, double tol) {
        assertNotNull(actual, what + ": nothing was computed");
        assertEquals(expected.size(), actual.length, what + ": element count");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(expected.get(i) - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        assertTrue(worst <= tol, what + ": max |diff| " + worst + " at " + at + " exceeds " + tol);
    }

    /** The largest magnitude in {@code t}: gradients are compared relative to it. */
    public static double maxAbs(Tensor t) {
        double m = 0;
        for (int i = 0; i < t.size(); i++) m = Math.max(m, Math.abs(t.get(i)));
        return m;
    }
}
