package dev.tailor.data.selfinstruct;

/**
 * Why an accepted instruction got no training row: its input/output generation failed one of the
 * checks of the reference's {@code prepare_for_finetuning.py}, or the prompt did not fit the model.
 */
public enum InstanceRejection {
    /** The instance prompt is longer than the model's context. */
    PROMPT_TOO_LONG,
    /** Generation stopped at the token limit, so the instance may be cut off. */
    TRUNCATED,
    /** No output text. */
    EMPTY_OUTPUT,
    /** The output repeats the input. */
    INPUT_EQUALS_OUTPUT,
    /** The input or output ends with ':', which is usually a cut-off generation. */
    ENDS_WITH_COLON
}
