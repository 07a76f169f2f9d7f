package dev.tailor.autograd;

import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A workspace lends the arrays of a step and takes them back as the tape passes them: gradients
 * inside scopes (a step, checkpointed blocks within it, the second step reusing the first's
 * arrays) must be bit-identical to gradients computed with fresh arrays. The segment reads its own
 * output in backward through a view (tanh, then a reshape of it), which must not be given back
 * before tanh's rule has run. Every array is above the pooling threshold.
 */
class WorkspaceGradientsTest {

    private static Tensor random(Random r, int... dims) {
        Tensor t = Tensor.zeros(dims);
        for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat() * 2 - 1;
        return t.requiresGrad(true);
    }

    /** x (16, 64) -> x + W2 · (t ⊙ t) with t = tanh(W1 x) (16, 128) seen through a (16, 2, 64) view. */
    private record Block(Tensor w1, Tensor w2) {
        Tensor forward(Tensor x) {
            Tensor t = ActOps.tanh(MatOps.linear(x, w1, null));      // (16, 128)
            Tensor v = BasicOps.reshape(t, 16, 2, 64);               // a view: shares tanh's output
            Tensor sq = BasicOps.reshape(BasicOps.mul(v, v), 16, 128);
            return BasicOps.add(x, MatOps.linear(sq, w2, null));     // (16, 64)
        }
    }

    private static List<float[]> gradients(Tensor x, Block a, Block b, boolean scope, boolean checkpoint) {
        List<Tensor> all = List.of(x, a.w1, a.w2, b.w1, b.w2);
        for (Tensor t : all) t.dropGrad();
        Workspace w = scope ? Workspace.open() : null;
        try {
            Tensor h = checkpoint ? Recompute.checkpoint("a", x, a::forward) : a.forward(x);
            Tensor y = checkpoint ? Recompute.checkpoint("b", h, b::forward) : b.forward(h);
            Tape.backward(BasicOps.sum(BasicOps.mul(y, y)));
        } finally {
            Tape.clear();
            if (w != null) w.close();
        }
        return all.stream().map(t -> t.grad().clone()).toList();
    }

    @Test
    void gradientsInsideScopesAreBitIdentical() {
        Random r = new Random(11);
        Tensor x = random(r, 16, 64);
        Block a = new Block(random(r, 128, 64), random(r, 64, 128)), b = new Block(random(r, 128, 64), random(r, 64, 128));
        for (boolean checkpoint : new boolean[] {false, true}) {
            List<float[]> fresh = gradients(x, a, b, false, checkpoint);
            for (int step = 0; step < 2; step++) { // the second step runs on the first one's arrays
                List<float[]> lent = gradients(x, a, b, true, checkpoint);
                for (int i = 0; i < fresh.size(); i++) {
                    assertArrayEquals(fresh.get(i), lent.get(i), "gradient " + i + ", checkpointing " + checkpoint + ", step " + step);
                }
            }
        }
        assertTrue(Workspace.pooledFloats() > 0, "the steps' arrays wait in the pool for the next step");
        Workspace.release();
        assertEquals(0, Workspace.pooledFloats());
    }
}
