package dev.ratchet.chaos.checker;

import dev.ratchet.chaos.history.Op;

/**
 * A client operation with its invocation and completion paired: what the checkers work on.
 *
 * @param id this operation's number within its key's sub-history (0..n-1)
 * @param invoke the invocation
 * @param completion the ok completion, or null if the outcome is unknown (info, or no completion
 *     before the history ended): it may have taken effect at any time after its call, or never
 * @param callSeq the invocation's real-time sequence number
 * @param returnSeq the completion's, or {@link Long#MAX_VALUE} if unknown ("returned at infinity")
 */
public record Operation(int id, Op invoke, Op completion, long callSeq, long returnSeq) {
    /** Returns whether the outcome is unknown. */
    public boolean indeterminate() {
        return completion == null;
    }

    public String f() {
        return invoke.f();
    }

    public String key() {
        return invoke.key();
    }

    @Override
    public String toString() {
        return "p" + invoke.process() + " " + f() + " " + key() + describe(invoke)
                + (completion == null ? " -> ?" : " -> " + describe(completion)) + " [" + callSeq + ", "
                + (returnSeq == Long.MAX_VALUE ? "inf" : Long.toString(returnSeq)) + "]";
    }

    private static String describe(Op op) {
        StringBuilder text = new StringBuilder();
        if (op.expect() != null) {
            text.append(" expect=")
                    .append(op.expect().kind())
                    .append(':')
                    .append(
                            op.expect().version() != null
                                    ? op.expect().version()
                                    : op.expect().value());
        }
        if (op.swapped() != null) {
            text.append(" swapped=").append(op.swapped());
        }
        if (op.existed() != null) {
            text.append(" existed=").append(op.existed());
        }
        if (op.value() != null) {
            text.append(" value=").append(op.value());
        }
        if (op.version() != null) {
            text.append(" version=").append(op.version());
        }
        return text.toString();
    }
}
