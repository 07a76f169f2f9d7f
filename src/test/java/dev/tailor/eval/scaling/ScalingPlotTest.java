package dev.tailor.eval.scaling;

import dev.tailor.eval.scaling.ScalingRuns.Run;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalingPlotTest {

    @Test void runsAreDrawnWhereTheLogAxesPutThem() {
        ScalingLaw law = new ScalingLaw(500, 0.2, 0.3, 1.25);
        List<Run> runs = new ArrayList<>();
        double[] xs = {1e8, 1e9};
        for (double x : xs) for (double d : new double[]{1e3, 1e4, 1e5}) runs.add(new Run(x, d, law.predict(x, d) * 1.02, "", 0));
        BufferedImage img = ScalingPlot.render(runs, law, "test");
        ScalingPlot.Axes axes = ScalingPlot.axes(runs, law);
        // The last series (largest X) is drawn last, so the centre of each of its dots has its colour.
        int colour = ScalingPlot.PALETTE[1].getRGB() & 0xffffff;
        for (Run r : runs.subList(3, 6)) {
            int px = (int) Math.round(axes.px(r.d())), py = (int) Math.round(axes.py(r.loss()));
            assertEquals(colour, img.getRGB(px, py) & 0xffffff, "dot of run at d=" + r.d());
        }
        // log axis: one decade of D spans the same width anywhere
        assertEquals(axes.px(1e4) - axes.px(1e3), axes.px(1e5) - axes.px(1e4), 1e-9);
        assertTrue(axes.px(1e3) > ScalingPlot.LEFT && axes.px(1e5) < ScalingPlot.WIDTH - ScalingPlot.RIGHT);
    }

    @Test void ticksAreDecadesOrOneTwoFive() {
        assertEquals(List.of(1e3, 1e4, 1e5), ScalingPlot.ticks(2.9, 5.1));
        assertEquals(List.of(1.0, 2.0, 5.0, 10.0), ScalingPlot.ticks(-0.05, 1.05));
    }
}
