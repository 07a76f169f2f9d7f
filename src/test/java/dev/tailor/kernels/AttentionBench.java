package dev.tailor.kernels;

import dev.tailor.kernels.AttentionKernels.Geometry;

import java.util.Arrays;
import java.util.Random;

/**
 * Times the two attention paths on training shapes (not a unit test: run it by hand).
 * <pre>
 *   mvn -q -o test-compile
 *   java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.tailor.kernels.AttentionBench [reps [rows|blocked]]
 * </pre>
 * The row kernel and the blocked kernel run alternately, rep by rep, so a machine shared with other
 * work slows both alike. Prints the median and minimum wall time of the forward and of the backward
 * (dq, dk, dv) and, at the minimum, GFLOP/s counted as 4·D per (query, seen key) pair for the
 * forward (q·k and p·v) and 8·D for the backward (dout·v, dq, dk, dv; the recomputed q·k not counted).
 */
public final class AttentionBench {

    /** batch, T, H, KVH, D */
    private static final int[][] SHAPES = {{4, 256, 9, 3, 64}, {1, 512, 14, 2, 64}};

    private AttentionBench() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        String only = args.length > 1 ? args[1] : "";
        for (int[] s : SHAPES) run(s, reps, !only.equals("blocked"), !only.equals("rows"));
    }

    private static void run(int[] s, int reps, boolean rows, boolean blocked) {
        int B = s[0], T = s[1], H = s[2], KVH = s[3], D = s[4];
        Geometry g = new Geometry(B, T, T, 0, H, KVH, D, (float) (1 / Math.sqrt(D)), true, 0, 0);
        Random r = new Random(1);
        float[] q = random(r, B * T * H * D), k = random(r, B * T * KVH * D), v = random(r, B * T * KVH * D);
        float[] dout = random(r, q.length);
        float[] out = new float[q.length], lse = new float[B * H * T];
        float[] dq = new float[q.length], dk = new float[k.length], dv = new float[k.length];
        double pairs = (double) B * H * T * (T + 1) / 2;
        double[][] times = new double[4][reps]; // rows forward, rows backward, blocked forward, blocked backward
        for (int i = -3; i < reps; i++) { // three warm-up rounds
            for (int path = rows ? 0 : 1; path < (blocked ? 2 : 1); path++) {
                Arrays.fill(out, 0f);
                long t0 = System.nanoTime();
                if (path == 0) AttentionKernels.attentionRows(out, lse, q, k, v, null, null, null, g);
                else BlockedAttention.forward(out, lse, q, k, v, null, null, null, g);
                long t1 = System.nanoTime();
                if (path == 0) AttentionKernels.attentionBackwardRows(dq, dk, dv, null, null, lse, dout, q, k, v, null, null, null, g);
                else BlockedBackward.backward(dq, dk, dv, null, null, lse, dout, q, k, v, null, null, null, g);
                long t2 = System.nanoTime();
                if (i < 0) continue;
                times[2 * path][i] = (t1 - t0) / 1e6;
                times[2 * path + 1][i] = (t2 - t1) / 1e6;
            }
        }
        String[] names = {"rows    forward ", "rows    backward", "blocked forward ", "blocked backward"};
        for (int n = rows ? 0 : 2; n < (blocked ? 4 : 2); n++) {
            double min = Arrays.stream(times[n]).min().orElseThrow(), flops = (n % 2 == 0 ? 4 : 8) * D * pairs;
            System.out.printf("B=%d T=%d H=%d KVH=%d D=%d %s: median %7.2f ms, min %7.2f ms (%5.1f GFLOP/s)%n",
                    B, T, H, KVH, D, names[n], median(times[n]), min, flops / min / 1e6);
        }
    }

    private static double median(double[] a) {
        double[] c = a.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
