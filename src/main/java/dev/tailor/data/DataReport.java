package dev.tailor.data;

import java.util.List;

/**
 * What happened to the rows of a training file. Every row read ends in exactly one bucket:
 * kept (possibly truncated), bad (skipped with --skip-bad-rows), dropped as too long, or dropped
 * for having no counted token.
 *
 * @param read           rows read from the file (for a .txt file: the windows it was cut into)
 * @param kept           rows that will be trained or evaluated on
 * @param bad            malformed rows skipped under --skip-bad-rows
 * @param truncated      kept rows cut to --max-length
 * @param droppedLong    rows longer than --max-length dropped under --overlong drop
 * @param droppedNoTarget rows left with no counted token
 * @param warnings       the first few bad-row messages (file:line: what was wrong)
 */
public record DataReport(int read, int kept, int bad, int truncated, int droppedLong, int droppedNoTarget, List<String> warnings) {

    public DataReport { warnings = List.copyOf(warnings); }

    /** One line for the user, e.g. "1000 rows: 990 kept (3 truncated), 4 bad rows skipped, 6 dropped with no counted token". */
    public String summary() {
        StringBuilder sb = new StringBuilder().append(read).append(" rows: ").append(kept).append(" kept");
        if (truncated > 0) sb.append(" (").append(truncated).append(" truncated to --max-length)");
        if (bad > 0) sb.append(", ").append(bad).append(" bad rows skipped");
        if (droppedLong > 0) sb.append(", ").append(droppedLong).append(" dropped as longer than --max-length");
        if (droppedNoTarget > 0) sb.append(", ").append(droppedNoTarget).append(" dropped with no counted token");
        return sb.toString();
    }
}
