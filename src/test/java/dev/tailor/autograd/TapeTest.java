package dev.tailor.autograd;

import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TapeTest {

    /** y = sum(a * b) recorded by hand: dy/da = b, dy/db = a. */
    private static Tensor dot(Tensor a, Tensor b) {
        float s = 0;
        for (int i = 0; i < a.size(); i++) s += a.data()[i] * b.data()[i];
        Tensor out = Tensor.scalar(s);
        if (Tape.needsGrad(a, b)) {
            Tape.record("dot", out, () -> {
                float g = out.grad()[0];
                if (a.requiresGrad()) for (int i = 0; i < a.size(); i++) a.gradBuffer()[i] += g * b.data()[i];
                if (b.requiresGrad()) for (int i = 0; i < b.size(); i++) b.gradBuffer()[i] += g * a.data()[i];
            });
        }
        return out;
    }

    @Test
    void backwardReplaysRulesAndAccumulatesIntoLeaves() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {4, 5, 6}, 3); // frozen
        Tensor y = dot(a, b);
        assertEquals(32f, y.item());
        Tape.backward(y);
        assertArrayEquals(new float[] {4, 5, 6}, a.grad());
        assertNull(b.grad(), "a frozen tensor gets no gradient");
        assertEquals(0, Tape.size(), "backward clears the tape");
        Tape.backward(dot(a, b));
        assertArrayEquals(new float[] {8, 10, 12}, a.grad(), "gradients accumulate until zeroGrad");
    }

    @Test
    void noGradScopeRecordsNothing() {
        Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        try (var g = Tape.noGrad()) {
            Tensor y = dot(a, a);
            assertFalse(y.requiresGrad());
            assertEquals(0, Tape.size());
        }
        assertTrue(Tape.enabled());
    }

    @Test
    void backwardRefusesNonScalarOrDetachedLoss() {
        Tensor v = Tensor.zeros(2);
        var e = assertThrows(IllegalArgumentException.class, () -> Tape.backward(v));
        assertTrue(e.getMessage().contains("one-element"), e.getMessage());
        var e2 = assertThrows(IllegalStateException.class, () -> Tape.backward(Tensor.scalar(1)));
        assertTrue(e2.getMessage().contains("trainable"), e2.getMessage());
    }

    @Test
    void backwardReleasesEachIntermediateGradientOnceItsRuleHasRun() {
        Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor h = Tensor.of(a.data().clone(), 2); // h = a, recorded by hand to look at z while it runs
        Tensor[] z = new Tensor[1];
        boolean[] zGradGone = new boolean[1];
        Tape.record("identity", h, () -> {
            zGradGone[0] = z[0].grad() == null;
            for (int i = 0; i < 2; i++) a.gradBuffer()[i] += h.grad()[i];
        });
        z[0] = BasicOps.scale(h, 2f);
        Tape.backward(BasicOps.sum(z[0]));
        assertTrue(zGradGone[0], "z's gradient is dropped as soon as its own rule has run");
        assertNull(h.grad());
        assertArrayEquals(new float[] {2, 2}, a.grad(), "d sum(2a) / da");
    }

    @Test
    void opProfileChargesEachRecordedOpAndRuleOnlyWhileOn() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {4, 5, 6}, 3);
        Tape.backward(dot(a, b)); // before start: not counted
        OpProfile.start();
        Tape.backward(dot(a, b));
        OpProfile.stop();
        Tape.backward(dot(a, b)); // after stop: not counted
        String report = OpProfile.report(1);
        assertTrue(report.matches("(?s).*forward dot +[0-9.]+ +[0-9.]+% +1\\.0\\n.*"), report);
        assertTrue(report.matches("(?s).*backward dot +[0-9.]+ +[0-9.]+% +1\\.0\\n.*"), report);
        assertEquals(3, report.lines().count(), report); // the header and the two rows
    }
}
