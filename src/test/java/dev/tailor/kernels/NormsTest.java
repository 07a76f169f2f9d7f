package dev.tailor.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;

/**
 * RMSNorm and LayerNorm kernels against their scalar twins. The row reductions run in vector lanes
 * in one and sequentially in the other: a few ulp apart, 2e-6 relative plus 1e-6 absolute for
 * per-element outputs; the weight gradients sum over up to 300 rows, so 1e-6 absolute per row.
 */
class NormsTest {

    @ParameterizedTest(name = "rows={0} C={1}")
    @CsvSource({"1, 7", "3, 33", "5, 257", "300, 257"})
    void rmsNormMatchesTwin(int rows, int C) {
        int n = rows * C;
        float[] x = uniform(51, n, -3, 3), w = uniform(52, C, 0.5f, 1.5f), g = uniform(53, n, -1, 1);
        float[] out1 = new float[n], out2 = new float[n], rs1 = new float[rows], rs2 = new float[rows];
        Norms.rmsNorm(out1, rs1, x, w, rows, C, 1e-6f);
        Norms.rmsNormScalar(out2, rs2, x, w, rows, C, 1e-6f);
        assertClose(rs2, rs1, 0, 2e-6, "rstd");
        assertClose(out2, out1, 1e-6, 2e-6, "rmsNorm");

        float[] dx1 = uniform(54, n, -1, 1), dx2 = dx1.clone(), dw1 = uniform(55, C, -1, 1), dw2 = dw1.clone();
        Norms.rmsNormBackward(dx1, dw1, g, x, rs2, w, rows, C);
        Norms.rmsNormBackwardScalar(dx2, dw2, g, x, rs2, w, rows, C);
        assertClose(dx2, dx1, 1e-6, 2e-6, "rmsNorm dx");
        assertClose(dw2, dw1, 1e-6 * rows, 2e-6, "rmsNorm dw");
        Norms.rmsNormBackward(null, dw1, g, x, rs2, w, rows, C); // frozen input: dw only
        Norms.rmsNormBackwardScalar(null, dw2, g, x, rs2, w, rows, C);
        assertClose(dw2, dw1, 2e-6 * rows, 2e-6, "rmsNorm dw only");
    }

    @ParameterizedTest(name = "rows={0} C={1} bias={2}")
    @CsvSource({"1, 7, true", "3, 33, false", "5, 257, true", "300, 257, true"})
    void layerNormMatchesTwin(int rows, int C, boolean bias) {
        int n = rows * C;
        float[] x = uniform(61, n, -3, 5), w = uniform(62, C, 0.5f, 1.5f), g = uniform(63, n, -1, 1);
        float[] b = bias ? uniform(64, C, -1, 1) : null;
        float[] out1 = new float[n], out2 = new float[n];
        float[] m1 = new float[rows], m2 = new float[rows], r1 = new float[rows], r2 = new float[rows];
        Norms.layerNorm(out1, m1, r1, x, w, b, rows, C, 1e-5f);
        Norms.layerNormScalar(out2, m2, r2, x, w, b, rows, C, 1e-5f);
        assertClose(m2, m1, 1e-6, 2e-6, "mean");
        assertClose(r2, r1, 0, 2e-6, "rstd");
        assertClose(out2, out1, 1e-5, 2e-6, "layerNorm");

        float[] dx1 = uniform(65, n, -1, 1), dx2 = dx1.clone(), dw1 = new float[C], dw2 = new float[C];
        float[] db1 = bias ? new float[C] : null, db2 = bias ? new float[C] : null;
        Norms.layerNormBackward(dx1, dw1, db1, g, x, m2, r2, w, rows, C);
        Norms.layerNormBackwardScalar(dx2, dw2, db2, g, x, m2, r2, w, rows, C);
        assertClose(dx2, dx1, 1e-5, 2e-6, "layerNorm dx");
        assertClose(dw2, dw1, 1e-6 * rows, 2e-6, "layerNorm dw");
        if (bias) assertClose(db2, db1, 1e-6 * rows, 2e-6, "layerNorm db");
    }
}
