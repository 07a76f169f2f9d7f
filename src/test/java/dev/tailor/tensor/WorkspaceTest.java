package dev.tailor.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The workspace must reuse arrays only once nothing can read them: after its scope closes, after
 * the tape gives a gradient back, never a kept array or the gradient of a tensor from outside.
 */
class WorkspaceTest {

    private static final int N = 4096; // above Workspace.MIN_FLOATS

    @Test
    void outsideAScopeArraysAreFresh() {
        float[] a = Workspace.floats(N), b = Workspace.floats(N);
        assertNotSame(a, b);
        assertEquals(N, a.length);
    }

    @Test
    void aClosedScopesArraysAreReusedZeroed() {
        float[] first;
        try (Workspace w = Workspace.open()) {
            first = Workspace.floats(N);
            first[7] = 3f;
        }
        try (Workspace w = Workspace.open()) {
            float[] again = Workspace.floats(N);
            assertSame(first, again, "the closed scope's array of that length is lent again");
            assertEquals(0f, again[7], "and handed out zeroed");
            assertNotSame(again, Workspace.floats(N), "an array is lent to one taker at a time");
        }
    }

    @Test
    void shortArraysAreNotPooled() {
        float[] small;
        try (Workspace w = Workspace.open()) { small = Workspace.floats(Workspace.MIN_FLOATS - 1); }
        try (Workspace w = Workspace.open()) { assertNotSame(small, Workspace.floats(Workspace.MIN_FLOATS - 1)); }
    }

    @Test
    void keptArraysOutliveTheScope() {
        Tensor y;
        try (Workspace w = Workspace.open()) {
            y = w.keep(Workspace.zeros(Shape.of(N)));
        }
        try (Workspace w = Workspace.open()) {
            assertNotSame(y.data(), Workspace.floats(N));
        }
    }

    @Test
    void keptArraysPassToTheEnclosingScope() {
        Tensor y;
        float[] data;
        try (Workspace outer = Workspace.open()) {
            try (Workspace inner = Workspace.open()) {
                y = inner.keep(Workspace.zeros(Shape.of(N)));
            }
            data = y.data();
            assertNotSame(data, Workspace.floats(N), "still lent while the enclosing scope is open");
        }
        try (Workspace w = Workspace.open()) {
            float[] a = Workspace.floats(N), b = Workspace.floats(N);
            assertTrue(a == data || b == data, "returned when the enclosing scope closes");
        }
    }

    @Test
    void gradientsOfOutsideTensorsAreTheirOwn() {
        Tensor param = Tensor.zeros(N).requiresGrad(true); // made outside any scope
        try (Workspace w = Workspace.open()) {
            Tensor inner = Workspace.zeros(Shape.of(N));
            param.gradBuffer();
            inner.gradBuffer();
            Workspace.giveBack(param.grad()); // not the workspace's: ignored
        }
        try (Workspace w = Workspace.open()) {
            float[] a = Workspace.floats(N), b = Workspace.floats(N), c = Workspace.floats(N);
            assertFalse(a == param.grad() || b == param.grad() || c == param.grad(), "a parameter's gradient is never lent out");
        }
    }

    @Test
    void aGradientGivenBackIsLentAgainInTheSameScope() {
        try (Workspace w = Workspace.open()) {
            Tensor t = Workspace.zeros(Shape.of(N));
            float[] g = t.gradBuffer();
            g[1] = 5f;
            t.dropGrad();
            Workspace.giveBack(g);
            float[] next = Workspace.floats(N);
            assertSame(g, next);
            assertEquals(0f, next[1]);
        }
    }

    @Test
    void theOutermostScopeKeepsOnlyWhatItTook() {
        try (Workspace w = Workspace.open()) { Workspace.floats(N); Workspace.floats(N + 1); }
        assertEquals(2L * N + 1, Workspace.pooledFloats());
        try (Workspace w = Workspace.open()) { Workspace.floats(N); }
        assertEquals(N, Workspace.pooledFloats(), "a length the last step did not use is dropped");
        try (Workspace w = Workspace.open()) { }
        assertEquals(0, Workspace.pooledFloats());
    }

    @Test
    void scopesCloseInnermostFirst() {
        Workspace outer = Workspace.open();
        Workspace inner = Workspace.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }
}
