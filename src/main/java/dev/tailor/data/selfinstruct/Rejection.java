package dev.tailor.data.selfinstruct;

/** Why a generated instruction was not added to the pool, in the order the filters run. */
public enum Rejection {
    TOO_SHORT, TOO_LONG, BANNED_KEYWORD, BANNED_PREFIX, STARTS_WITH_PUNCTUATION, STARTS_WITH_NON_ASCII, DUPLICATE, TOO_SIMILAR
}
