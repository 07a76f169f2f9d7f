package dev.tailor.peft;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEFT's rules for which module paths a method touches ({@code check_target_module_exists}): the
 * target form, then {@code exclude_modules}, then {@code layers_to_transform} (which, as in PEFT,
 * only narrows a list of names or all-linear, never a regex).
 */
public final class ModuleSelector {

    private static final Pattern ANY_LAYER = Pattern.compile(".*\\.[^.]*\\.(\\d+)\\.");

    private ModuleSelector() {}

    /**
     * Whether the linear layer at {@code path} is adapted.
     *
     * @param headPath the output head's path, which all-linear leaves out
     */
    public static boolean selects(Targets targets, Targets exclude, List<Integer> layers, List<String> layersPattern,
                                  String path, String headPath) {
        if (exclude != null && matches(exclude, path, headPath)) return false;
        if (!matches(targets, path, headPath)) return false;
        if (targets instanceof Targets.Regex || layers.isEmpty()) return true;
        Integer layer = layerIndex(path, layersPattern);
        return layer != null && layers.contains(layer);
    }

    private static boolean matches(Targets t, String path, String headPath) {
        return switch (t) {
            case Targets.Names n -> n.matches(path);
            case Targets.Regex r -> r.matches(path);
            case Targets.AllLinear a -> !path.equals(headPath);
        };
    }

    /**
     * The block index in a path such as {@code model.layers.3.mlp.up_proj}: the number after
     * {@code <pattern>.} for one of the layers_pattern entries, or after any component when there
     * are none; null when the path has no such number.
     */
    public static Integer layerIndex(String path, List<String> layersPattern) {
        if (layersPattern.isEmpty()) return firstGroup(ANY_LAYER.matcher(path));
        for (String p : layersPattern) {
            Integer i = firstGroup(Pattern.compile(".*\\." + p + "\\.(\\d+)\\.").matcher(path));
            if (i != null) return i;
        }
        return null;
    }

    private static Integer firstGroup(Matcher m) {
        return m.lookingAt() ? Integer.valueOf(m.group(1)) : null; // Python's re.match anchors at the start only
    }

    /** modules_to_save's rule: the path equals a name or ends with {@code "." + name}. */
    public static boolean named(List<String> names, String path) {
        for (String n : names) if (path.equals(n) || path.endsWith("." + n)) return true;
        return false;
    }
}
