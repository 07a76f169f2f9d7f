package dev.tailor.peft;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.io.AtomicFile;
import dev.tailor.io.Checkpoint;
import dev.tailor.io.TensorEntry;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A complete Hugging Face model folder with the active adapter folded into the weights: config.json
 * (the base's, minus any quantization_config; untied when the head no longer equals the
 * embedding), the weights in the base's dtypes (quantised ones as BF16), and the base folder's
 * tokenizer and generation files. Every file is written atomically.
 */
public final class MergedCheckpoint {

    /** Files copied from the base folder when present (plus every chat_template.*). */
    public static final List<String> COPIED = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json");

    private static final JsonMapper JSON = new JsonMapper();

    private MergedCheckpoint() {}

    /** Writes {@code peft}'s model merged with its active adapter to {@code out}; {@code baseDir} is the folder it was loaded from. */
    public static void write(PeftModel peft, Path baseDir, Path out) {
        try {
            if (Files.exists(out) && Files.isSameFile(out, baseDir)) {
                throw new IllegalArgumentException("the output folder " + out + " is the base model's folder; write the merged model elsewhere");
            }
            PeftModel.MergedWeights merged = peft.mergedWeights();
            if (merged.untied() && peft.model().config().modelType().equals("gpt2")) {
                throw new IllegalArgumentException("this adapter gives GPT-2 a head different from its token embedding (modules_to_save or a LoRA on lm_head); "
                        + "GPT-2 checkpoints are loaded with the head tied, so the merged model would not reproduce the adapter");
            }
            List<TensorEntry> entries = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : merged.tensors().entrySet()) entries.add(TensorEntry.of(e.getKey(), e.getValue(), storedDtype(e.getValue())));
            Files.createDirectories(out);
            Checkpoint.write(out, entries, Map.of("format", "pt"));
            AtomicFile.writeString(out.resolve("config.json"), config(peft, baseDir, merged.untied()));
            for (Path f : copiedFiles(baseDir)) copy(f, out.resolve(f.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the merged model to " + out + ": " + e.getMessage(), e);
        }
    }

    private static DType storedDtype(Tensor t) {
        DType d = t.dtype();
        return d == DType.F32 || d == DType.BF16 || d == DType.F16 ? d : DType.BF16;
    }

    /** The base's config.json as it was (keeping every key transformers needs), with the merge's changes. */
    private static String config(PeftModel peft, Path baseDir, boolean untied) throws IOException {
        Path file = baseDir.resolve("config.json");
        ObjectNode root = Files.isRegularFile(file) && JSON.readTree(Files.readString(file)) instanceof ObjectNode o
                ? o : (ObjectNode) JSON.readTree(peft.model().config().toJson());
        root.remove("quantization_config"); // the merged weights are plain floats
        if (untied) root.put("tie_word_embeddings", false);
        return JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
    }

    private static List<Path> copiedFiles(Path baseDir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String name : COPIED) if (Files.isRegularFile(baseDir.resolve(name))) files.add(baseDir.resolve(name));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(baseDir, "chat_template.*")) {
            for (Path p : ds) if (Files.isRegularFile(p)) files.add(p);
        }
        return files;
    }

    private static void copy(Path from, Path to) throws IOException {
        AtomicFile.write(to, ch -> {
            try (FileChannel src = FileChannel.open(from, StandardOpenOption.READ)) {
                long size = src.size();
                for (long pos = 0; pos < size; ) pos += src.transferTo(pos, size - pos, ch);
            }
        });
    }

}
