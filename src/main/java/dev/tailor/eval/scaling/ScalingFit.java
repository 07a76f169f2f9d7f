package dev.tailor.eval.scaling;

import dev.tailor.data.DataException;
import dev.tailor.eval.scaling.ScalingRuns.Run;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Least-squares fit of {@link ScalingLaw} to runs by Levenberg–Marquardt. The parameters are
 * (log A, alpha, beta, E): fitting log A keeps A positive and makes the model's gradient in it
 * well scaled (d L / d log A = A·X^-alpha·D^-beta). The loss surface has flat valleys (A and E
 * trade off against the exponents), so the fit starts from a grid of (alpha, beta, E), takes the
 * best A for each start in closed form, and keeps the best converged result.
 */
public final class ScalingFit {

    private static final double[] EXPONENT_GRID = {0.05, 0.1, 0.2, 0.35, 0.5, 0.8};
    /** E starts at min(loss) - s·(|min loss| + spread) for each s: from well below the data to just under it. */
    private static final double[] FLOOR_GRID = {1.0, 0.5, 0.25, 0.1, 0.02};
    private static final int MAX_ITERATIONS = 500;
    private static final int P = 4; // log A, alpha, beta, E

    /**
     * @param law  the fitted parameters
     * @param rmse sqrt(mean squared residual) of the fit on its runs
     * @param r2   1 - SS_res / SS_tot (NaN when every loss is equal)
     */
    public record Fit(ScalingLaw law, double rmse, double r2, int runs) {}

    private ScalingFit() {}

    /** Fits the law to {@code runs}; {@code where} names them in errors (a file, a method). */
    public static Fit fit(List<Run> runs, String where) {
        ScalingRuns.requireEnough(runs, where);
        requireSpread(runs, where);
        int n = runs.size();
        double[][] data = logData(runs);
        double[] lx = data[0], ld = data[1], y = data[2]; // (n) ln x, ln d, loss
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (double v : y) { minY = Math.min(minY, v); maxY = Math.max(maxY, v); }
        double[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (double alpha : EXPONENT_GRID) {
            for (double beta : EXPONENT_GRID) {
                for (double s : FLOOR_GRID) {
                    double e = minY - s * (Math.abs(minY) + (maxY - minY));
                    double[] p = start(lx, ld, y, alpha, beta, e);
                    if (p == null) continue;
                    double cost = levenbergMarquardt(p, lx, ld, y);
                    if (cost < bestCost) { bestCost = cost; best = p; }
                }
            }
        }
        if (best == null) throw new DataException(where + ": the law could not be fitted (no starting point gave a positive A)");
        ScalingLaw law = new ScalingLaw(Math.exp(best[0]), best[1], best[2], best[3]);
        return new Fit(law, Math.sqrt(bestCost / n), rSquared(bestCost, y), n);
    }

    /** Fits from one given starting law (no grid): what each grid start runs. */
    static ScalingLaw fitFrom(List<Run> runs, ScalingLaw start) {
        double[][] data = logData(runs);
        double[] p = {Math.log(start.a()), start.alpha(), start.beta(), start.e()};
        levenbergMarquardt(p, data[0], data[1], data[2]);
        return new ScalingLaw(Math.exp(p[0]), p[1], p[2], p[3]);
    }

    /** {ln x, ln d, loss} of every run, each (n). */
    private static double[][] logData(List<Run> runs) {
        int n = runs.size();
        double[][] out = new double[3][n];
        for (int i = 0; i < n; i++) {
            out[0][i] = Math.log(runs.get(i).x());
            out[1][i] = Math.log(runs.get(i).d());
            out[2][i] = runs.get(i).loss();
        }
        return out;
    }

    /** Start (log A, alpha, beta, E) with A the least-squares optimum for the given shape; null when A <= 0. */
    private static double[] start(double[] lx, double[] ld, double[] y, double alpha, double beta, double e) {
        double num = 0, den = 0;
        for (int i = 0; i < y.length; i++) {
            double h = Math.exp(-alpha * lx[i] - beta * ld[i]);
            num += h * (y[i] - e);
            den += h * h;
        }
        double a = num / den;
        return a > 0 && Double.isFinite(a) ? new double[]{Math.log(a), alpha, beta, e} : null;
    }

    /** Minimises the sum of squared residuals from p in place; returns that sum. */
    static double levenbergMarquardt(double[] p, double[] lx, double[] ld, double[] y) {
        int n = y.length;
        double[] r = new double[n];      // (n) model - loss
        double[][] jac = new double[n][P]; // (n, 4) d model / d p
        double cost = residuals(p, lx, ld, y, r);
        double lambda = 1e-3;
        for (int it = 0; it < MAX_ITERATIONS && Double.isFinite(cost); it++) {
            jacobian(p, lx, ld, jac);
            double[][] jtj = new double[P][P];
            double[] jtr = new double[P];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < P; a++) {
                    jtr[a] += jac[i][a] * r[i];
                    for (int b = 0; b < P; b++) jtj[a][b] += jac[i][a] * jac[i][b];
                }
            }
            boolean improved = false;
            double newCost = cost;
            double[] trial = new double[P];
            while (lambda < 1e12) {
                double[] step = solveDamped(jtj, jtr, lambda);
                if (step != null) {
                    for (int a = 0; a < P; a++) trial[a] = p[a] + step[a];
                    newCost = residuals(trial, lx, ld, y, r);
                    if (newCost < cost) { improved = true; break; }
                }
                lambda *= 10;
            }
            if (!improved) break; // no downhill step at any damping: a minimum
            System.arraycopy(trial, 0, p, 0, P);
            lambda = Math.max(lambda / 10, 1e-12);
            boolean converged = cost - newCost <= 1e-15 * cost + 1e-300;
            cost = newCost;
            if (converged) break;
        }
        residuals(p, lx, ld, y, r);
        return cost;
    }

    /** Fills r with model - loss; returns the sum of squares (infinite when the model overflows). */
    private static double residuals(double[] p, double[] lx, double[] ld, double[] y, double[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            r[i] = Math.exp(p[0] - p[1] * lx[i] - p[2] * ld[i]) + p[3] - y[i];
            s += r[i] * r[i];
        }
        return Double.isNaN(s) ? Double.POSITIVE_INFINITY : s;
    }

    private static void jacobian(double[] p, double[] lx, double[] ld, double[][] jac) {
        for (int i = 0; i < lx.length; i++) {
            double g = Math.exp(p[0] - p[1] * lx[i] - p[2] * ld[i]); // A·X^-alpha·D^-beta
            jac[i][0] = g;
            jac[i][1] = -g * lx[i];
            jac[i][2] = -g * ld[i];
            jac[i][3] = 1;
        }
    }

    /** Solves (JᵀJ + lambda·diag(JᵀJ)) step = -Jᵀr by Gaussian elimination with partial pivoting. */
    private static double[] solveDamped(double[][] jtj, double[] jtr, double lambda) {
        double[][] m = new double[P][P + 1];
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) m[a][b] = jtj[a][b];
            m[a][a] += lambda * Math.max(jtj[a][a], 1e-30);
            m[a][P] = -jtr[a];
        }
        for (int col = 0; col < P; col++) {
            int piv = col;
            for (int row = col + 1; row < P; row++) if (Math.abs(m[row][col]) > Math.abs(m[piv][col])) piv = row;
            if (m[piv][col] == 0 || !Double.isFinite(m[piv][col])) return null;
            double[] t = m[col]; m[col] = m[piv]; m[piv] = t;
            for (int row = col + 1; row < P; row++) {
                double f = m[row][col] / m[col][col];
                for (int k = col; k <= P; k++) m[row][k] -= f * m[col][k];
            }
        }
        double[] x = new double[P];
        for (int row = P - 1; row >= 0; row--) {
            double s = m[row][P];
            for (int k = row + 1; k < P; k++) s -= m[row][k] * x[k];
            x[row] = s / m[row][row];
        }
        return x;
    }

    private static double rSquared(double ssRes, double[] y) {
        double mean = 0;
        for (double v : y) mean += v;
        mean /= y.length;
        double ssTot = 0;
        for (double v : y) ssTot += (v - mean) * (v - mean);
        return ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot;
    }

    /** alpha needs two values of x and beta two of d; otherwise each trades off exactly against A. */
    private static void requireSpread(List<Run> runs, String where) {
        Set<Double> xs = new HashSet<>(), ds = new HashSet<>();
        for (Run r : runs) { xs.add(r.x()); ds.add(r.d()); }
        if (xs.size() < 2) throw new DataException(where + ": every run has x = " + runs.get(0).x() + "; fitting alpha needs at least 2 distinct x values");
        if (ds.size() < 2) throw new DataException(where + ": every run has d = " + runs.get(0).d() + "; fitting beta needs at least 2 distinct d values");
    }
}
