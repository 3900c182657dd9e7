package dev.ratchet.attestation;

import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * What a platform verifier established about a report whose signature and chain it checked.
 *
 * <p>These are facts, not a decision: {@link AttestationPolicy} decides whether they are good
 * enough. {@code tcb} holds the platform's security version numbers by component name (for
 * SEV-SNP {@code bl}, {@code tee}, {@code snp}, {@code ucode}, and {@code fmc} on Turin), so a
 * policy can state minimums without knowing the platform's byte layout. {@code details} holds
 * platform facts worth printing (product, VMPL, signing key kind); a platform whose reports carry
 * a timestamp puts it under {@link #ISSUED_AT} as an ISO-8601 instant, so a policy can bound
 * evidence age.
 */
public record VerifiedClaims(
        TeePlatform platform,
        byte[] measurement,
        byte[] reportData,
        boolean debug,
        Map<String, Integer> tcb,
        Map<String, String> details) {

    /** The {@link #details()} key of the report's creation time, where the platform records one. */
    public static final String ISSUED_AT = "issuedAt";

    /** Creates claims; arrays and maps are copied. */
    public VerifiedClaims {
        Objects.requireNonNull(platform, "platform");
        measurement = measurement.clone();
        reportData = reportData.clone();
        tcb = Map.copyOf(tcb);
        details = Map.copyOf(details);
    }

    @Override
    public byte[] measurement() {
        return measurement.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    /** Returns the measurement as lowercase hex. */
    public String measurementHex() {
        return HexFormat.of().formatHex(measurement);
    }

    @Override
    public String toString() {
        return "VerifiedClaims[" + platform + ", measurement=" + measurementHex() + ", debug=" + debug + ", tcb=" + tcb
                + ", details=" + details + "]";
    }
}
