package dev.ratchet.attestation;

/**
 * Why evidence or a peer was refused: the closed set of attestation failure codes.
 *
 * <p>Each code names the field or check that failed, so an operator can tell a tampered report
 * from an expired certificate or a policy gap. The {@link #code()} strings are stable: they are
 * printed by {@code ratchet attest verify} ({@code INVALID <code>: <detail>}), written in logs and
 * compared by scripts. Never reuse or rename one.
 */
public enum Refusal {
    /** The peer presented no evidence at all (no certificate extension, empty input). */
    NO_EVIDENCE("no_evidence"),
    /** The evidence could not be parsed: truncated, oversized, wrong magic, bad encoding. */
    MALFORMED("malformed"),
    /** The evidence is for a platform this verifier has no code or configuration for. */
    UNSUPPORTED_PLATFORM("unsupported_platform"),
    /** The report's signature does not verify under its endorsement key. */
    SIGNATURE("signature"),
    /** The endorsement certificate chain is broken, incomplete or inconsistent with the report. */
    CHAIN("chain"),
    /** The chain ends at a root that is not pinned for this platform. */
    WRONG_ROOT("wrong_root"),
    /** A certificate or the evidence itself is outside its validity window at verification time. */
    EXPIRED("expired"),
    /** The measurement is not allowed for the role. */
    MEASUREMENT("measurement"),
    /** report_data does not carry the expected binding (wrong key, wrong role, wrong nonce). */
    REPORT_DATA("report_data"),
    /** The TEE runs in debug mode, whose memory the host can read, and the policy forbids it. */
    DEBUG("debug"),
    /** The platform's trusted computing base is below the policy's minimum. */
    TCB("tcb"),
    /** A platform-specific policy check failed (VMPL, signing-key kind, migration agent). */
    PLATFORM_POLICY("platform_policy"),
    /** The evidence is simulated and the policy does not allow simulated evidence. */
    SIMULATED_NOT_ALLOWED("simulated_not_allowed"),
    /** The peer's attested role is not one this link accepts. */
    WRONG_ROLE("wrong_role"),
    /** The TLS certificate's key is not the key the evidence binds. */
    UNBOUND_KEY("unbound_key"),
    /** The peer's node id is not the one this connection expected. */
    WRONG_NODE_ID("wrong_node_id"),
    /** The TLS session is not TLS 1.3, or its handshake is unusable. */
    PROTOCOL("protocol");

    private final String code;

    Refusal(String code) {
        this.code = code;
    }

    /** Returns the stable lowercase code printed in output and logs. */
    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return code;
    }
}
