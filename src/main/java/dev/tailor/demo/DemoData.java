package dev.tailor.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The instruction data bundled with Tailor ({@code src/main/resources/demo/}): read from the
 * classpath, where the build puts it. The data readers take files, so a resource inside a jar is
 * copied to a temporary file first.
 *
 * @param train the training rows (train.jsonl)
 * @param eval  the evaluation rows (eval.jsonl)
 */
public record DemoData(Path train, Path eval) {

    static final String TRAIN = "train.jsonl", EVAL = "eval.jsonl";
    private static final String FOLDER = "/demo/";

    /** The bundled files, from the classpath. */
    public static DemoData bundled() {
        return new DemoData(resource(TRAIN), resource(EVAL));
    }

    private static Path resource(String name) {
        URL url = DemoData.class.getResource(FOLDER + name);
        if (url == null) {
            throw new IllegalStateException("the demo data " + FOLDER + name + " is not on the classpath; it is built from "
                    + "src/main/resources/demo/" + name + " (rebuild with ./tailor, or run from a checkout of Tailor)");
        }
        try {
            if (url.getProtocol().equals("file")) return Path.of(url.toURI());
            Path tmp = Files.createTempFile("tailor-demo-", "-" + name);
            tmp.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo data " + url + ": " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the demo data's location " + url + " is not a valid URI", e);
        }
    }
}
