package dev.ratchet.raft;

/**
 * What a process does when its Raft node dies: the log failed (a full RAM filesystem, say), the
 * replica's hash chain diverged from the leader's, or Ratis shut the server down by itself.
 *
 * <p>A dead node never comes back: its identity and its state are gone, and the operator replaces
 * it with a fresh node ({@link RaftAdmin#replace}). By the time this runs the node has already
 * stopped its server and deleted its directory. Production processes should exit (the default,
 * {@link #EXIT}); tests record the call.
 */
@FunctionalInterface
public interface NodeDeathListener {
    /** Terminates the JVM with status 70 (EX_SOFTWARE), from a fresh thread so shutdown hooks run. */
    NodeDeathListener EXIT = (reason, cause) -> new Thread(() -> System.exit(70), "raft-node-death-exit").start();

    /** Called once, after the node has stopped, with a message an operator can act on. */
    void onDeath(String reason, Throwable cause);
}
