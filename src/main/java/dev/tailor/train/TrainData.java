package dev.tailor.train;

import dev.tailor.data.TokenRow;

import java.util.List;

/**
 * The rows a run trains and evaluates on.
 *
 * @param sequences training sequences: one row each, or several short rows each with --packing
 * @param eval      held-out rows (may be empty)
 * @param padId     id written at padding positions (never attended to nor scored)
 */
public record TrainData(List<List<TokenRow>> sequences, List<TokenRow> eval, int padId) {

    public TrainData {
        sequences = List.copyOf(sequences);
        eval = List.copyOf(eval);
        if (sequences.isEmpty()) throw new IllegalArgumentException("no training rows left after filtering");
    }

    /** One sequence per row (no packing). */
    public static TrainData unpacked(List<TokenRow> train, List<TokenRow> eval, int padId) {
        return new TrainData(train.stream().map(List::of).toList(), eval, padId);
    }
}
