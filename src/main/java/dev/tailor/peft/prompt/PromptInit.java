package dev.tailor.peft.prompt;

import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.nn.Linear;
import dev.tailor.peft.PrefixTuningConfig;
import dev.tailor.peft.PromptTuningConfig;
import dev.tailor.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/** Fresh prompt-learning tensors, initialised as PEFT initialises them (plus Lester et al.'s class labels). */
final class PromptInit {

    private PromptInit() {}

    /** The (l, C) virtual tokens of a fresh prompt-tuning adapter; {@code wordEmbeddings} is (V, C). */
    static Tensor virtualTokens(PromptTuningConfig c, Tensor wordEmbeddings, long seed) {
        int l = c.numVirtualTokens(), v = wordEmbeddings.dim(0), dim = wordEmbeddings.dim(1);
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[l * dim]; // (l, C)
        switch (c.init()) {
            case RANDOM -> { for (int i = 0; i < out.length; i++) out[i] = (float) r.nextGaussian(); }
            case SAMPLE_VOCAB -> { for (int i = 0; i < l; i++) row(wordEmbeddings, r.nextInt(v), out, i * dim, 1f); }
            case TEXT -> {
                List<Integer> ids = c.initTokens().getFirst(); // repeated, then cut to l, as PEFT does
                for (int i = 0; i < l; i++) row(wordEmbeddings, checked(ids.get(i % ids.size()), v), out, i * dim, 1f);
            }
            case CLASS_LABELS -> {
                List<List<Integer>> labels = c.initTokens();
                if (labels.size() > l) throw new IllegalArgumentException("prompt tuning: " + labels.size() + " class labels for only " + l + " virtual tokens");
                for (int i = 0; i < l; i++) {
                    if (i >= labels.size()) { row(wordEmbeddings, r.nextInt(v), out, i * dim, 1f); continue; }
                    List<Integer> ids = labels.get(i); // a label of several tokens starts at their mean
                    for (int id : ids) row(wordEmbeddings, checked(id, v), out, i * dim, 1f / ids.size());
                }
            }
        }
        return Tensor.of(out, l, dim);
    }

    /** The (l, layers·2·W) prefixes trained directly (P-tuning v2): N(0, 1), as PEFT's nn.Embedding. */
    static Tensor prefixTable(PrefixTuningConfig c, int layers, int width, long seed) {
        return gaussian(new SplittableRandom(seed), c.numVirtualTokens(), layers * 2 * width);
    }

    /** Prefix tuning's reparameterisation: embedding N(0, 1), both Linears as nn.Linear initialises them. */
    static PromptEncoder.ProjectedPrefixes projected(PrefixTuningConfig c, int layers, int width, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int h = c.hiddenFor(width);
        Tensor embedding = gaussian(r, c.numVirtualTokens(), width);
        return new PromptEncoder.ProjectedPrefixes(embedding, linear(r, width, h), linear(r, h, layers * 2 * width), layers, width);
    }

    private static Tensor gaussian(SplittableRandom r, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return Tensor.of(d, rows, cols);
    }

    /** nn.Linear's init: weight and bias U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)). */
    private static Linear linear(SplittableRandom r, int in, int out) {
        double bound = 1 / Math.sqrt(in);
        float[] w = new float[out * in], b = new float[out];
        for (int i = 0; i < w.length; i++) w[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        for (int i = 0; i < b.length; i++) b[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        return new Linear(Tensor.of(w, out, in), Tensor.of(b, out), WeightLayout.OUT_IN);
    }

    /** dst[off ..] += scale · embedding row {@code id}. */
    private static void row(Tensor emb, int id, float[] dst, int off, float scale) {
        int dim = emb.dim(1);
        float[] tmp = new float[dim];
        emb.storage().widen((long) id * dim, tmp, 0, dim);
        for (int j = 0; j < dim; j++) dst[off + j] += scale * tmp[j];
    }

    private static int checked(int id, int vocab) {
        if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt tuning init: token id " + id + " is outside the vocabulary of " + vocab);
        return id;
    }

}
