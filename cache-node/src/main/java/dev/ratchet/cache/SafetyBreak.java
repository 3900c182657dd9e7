package dev.ratchet.cache;

import java.util.Arrays;
import java.util.Optional;

/**
 * A deliberate safety bug, for the chaos tests' negative controls only: a harness that passes
 * while one of these is on cannot be trusted (issue 14). Off unless named, and a cache node
 * refuses every one of them unless it runs on the INSECURE simulated platform, so no deployment
 * on a real TEE can turn one on.
 */
public enum SafetyBreak {
    /**
     * A write is acknowledged as soon as its batch is applied in memory, before the commit; a
     * commit that then conflicts or fails leaves an acknowledged write that never happened, and a
     * read in between does not see an acknowledged one. The commit then waits 200 ms, so that
     * such reads happen in every run of a few seconds, not by luck.
     */
    ACK_BEFORE_COMMIT("ack-before-commit"),

    /**
     * A get is served at the tablet version this node last saw, without the linearizable query
     * that confirms the current one, so it can return a value that was already overwritten.
     */
    UNCONFIRMED_READS("unconfirmed-reads"),

    /**
     * Shards read from the sector servers are taken without their pinned-digest check, so a stale
     * or corrupt shard is decoded as if it were current: the tablet's authentication then refuses
     * the garbled blob, and a fault the code should have corrected (one bad server, within m)
     * becomes a client-visible UNREADABLE.
     */
    SKIP_DIGEST("skip-digest");

    private final String cliName;

    SafetyBreak(String cliName) {
        this.cliName = cliName;
    }

    /** The name {@code --break} takes. */
    public String cliName() {
        return cliName;
    }

    /** Returns the break named {@code name}, if any. */
    public static Optional<SafetyBreak> byCliName(String name) {
        return Arrays.stream(values()).filter(b -> b.cliName.equals(name)).findFirst();
    }
}
