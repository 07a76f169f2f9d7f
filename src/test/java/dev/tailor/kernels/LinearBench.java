package dev.tailor.kernels;

import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Storage;

import java.util.Arrays;
import java.util.Random;

/**
 * Times the GEMMs of one LoRA linear layer (base forward, base input gradient, and the four
 * rank-r products) on the layer shapes of a SmolLM2-135M training step, 4 x 256 tokens (not a
 * unit test: run it by hand).
 * <pre>
 *   mvn -q -o test-compile
 *   java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes dev.tailor.kernels.LinearBench [reps]
 * </pre>
 * Prints, per shape and piece, the median wall time over reps and its GFLOP/s, so that the pieces
 * of a step's linear layers can be set against each other and against the best rate of the GEMM.
 */
public final class LinearBench {

    /** in, out, and how many layers of a SmolLM2-135M block have that shape (q,o; k,v; gate,up; down) */
    private static final int[][] SHAPES = {{576, 576, 2}, {576, 192, 2}, {576, 1536, 2}, {1536, 576, 1}};
    private static final int ROWS = 1024, R = 16;

    private LinearBench() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        double total = 0;
        for (int[] s : SHAPES) total += run(s[0], s[1], reps) * s[2];
        System.out.printf("per block (q,k,v,o,gate,up,down) ms: %.2f%n", total);
    }

    private static double run(int in, int out, int reps) {
        Random rnd = new Random(1);
        float[] x = random(rnd, ROWS * in), w = random(rnd, out * in), a = random(rnd, R * in), b = random(rnd, out * R);
        float[] y = new float[ROWS * out], dy = random(rnd, ROWS * out), dx = new float[ROWS * in];
        float[] u = new float[ROWS * R], du = new float[ROWS * R], ga = new float[R * in], gb = new float[R * out];
        Storage ws = new FloatStorage(w), as = new FloatStorage(a), bs = new FloatStorage(b);
        String[] names = {"base fwd  x.Wt", "lora u=x.At   ", "lora y+=u.Bt  ", "base bwd dy.W ", "lora du=dy.B  ",
                "lora ut.dy    ", "lora dA=dut.x ", "lora dx+=du.A "};
        double[] flops = {2.0 * ROWS * in * out, 2.0 * ROWS * in * R, 2.0 * ROWS * R * out, 2.0 * ROWS * in * out,
                2.0 * ROWS * R * out, 2.0 * ROWS * R * out, 2.0 * ROWS * R * in, 2.0 * ROWS * R * in};
        double[][] t = new double[names.length][reps];
        for (int i = -5; i < reps; i++) {
            long[] c = new long[names.length + 1];
            c[0] = System.nanoTime();
            Gemm.xwT(y, false, x, ws, ROWS, in, out);        c[1] = System.nanoTime();
            Gemm.xwT(u, false, x, as, ROWS, in, R);          c[2] = System.nanoTime();
            Gemm.xwT(y, true, u, bs, ROWS, R, out);          c[3] = System.nanoTime();
            Gemm.dyw(dx, true, dy, ws, ROWS, in, out);       c[4] = System.nanoTime();
            Gemm.dyw(du, false, dy, bs, ROWS, R, out);       c[5] = System.nanoTime();
            Gemm.xTdy(gb, false, u, dy, ROWS, R, out);       c[6] = System.nanoTime();
            Gemm.dytx(ga, true, du, x, ROWS, in, R);         c[7] = System.nanoTime();
            Gemm.dyw(dx, true, du, as, ROWS, in, R);         c[8] = System.nanoTime();
            if (i < 0) continue;
            for (int p = 0; p < names.length; p++) t[p][i] = (c[p + 1] - c[p]) / 1e6;
        }
        double sum = 0;
        for (int p = 0; p < names.length; p++) {
            double[] s = t[p].clone();
            Arrays.sort(s);
            double med = s[reps / 2];
            sum += med;
            System.out.printf("in=%4d out=%4d %s median %6.3f ms %6.1f GFLOP/s%n", in, out, names[p], med, flops[p] / med / 1e6);
        }
        System.out.printf("in=%4d out=%4d layer total %6.3f ms%n", in, out, sum);
        return sum;
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
