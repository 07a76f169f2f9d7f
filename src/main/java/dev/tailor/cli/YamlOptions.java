package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A YAML file of command options turned into command-line arguments: {@code max-length: 512} (or
 * {@code max_length}) becomes {@code --max-length 512}; {@code packing: true} becomes
 * {@code --packing} and {@code false} leaves the flag out.
 */
final class YamlOptions {

    private YamlOptions() {}

    static List<String> read(Path file, CommandLine.Model.CommandSpec spec) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--config: no such file " + file);
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) return List.of();
        if (!root.isObject()) throw new IllegalArgumentException(file + ": expected a mapping of option: value, found " + root.getNodeType());
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String flag = "--" + e.getKey().replace('_', '-');
            CommandLine.Model.OptionSpec opt = spec.findOption(flag);
            if (opt == null || flag.equals("--config")) {
                throw new IllegalArgumentException(file + ": unknown option '" + e.getKey() + "' (see tailor " + spec.name() + " --help)");
            }
            JsonNode v = e.getValue();
            if (!v.isValueNode()) throw new IllegalArgumentException(file + ": option '" + e.getKey() + "' must be a single value, found " + v.getNodeType());
            boolean flagOnly = opt.arity().max() == 0;
            if (flagOnly) {
                if (!v.isBoolean()) throw new IllegalArgumentException(file + ": option '" + e.getKey() + "' must be true or false, found " + v);
                if (v.booleanValue()) args.add(flag);
            } else {
                args.add(flag);
                args.add(v.asText());
            }
        }
        return args;
    }
}
