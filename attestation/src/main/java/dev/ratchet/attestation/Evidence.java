package dev.ratchet.attestation;

import dev.ratchet.attestation.cbor.CborException;
import dev.ratchet.attestation.cbor.CborReader;
import dev.ratchet.attestation.cbor.CborWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A TEE's signed statement about the code it runs, with the certificates that endorse it.
 *
 * <p>{@code report} is the platform's native format (an SEV-SNP report, a TDX quote, a Nitro
 * COSE document, or a simulated report). {@code endorsements} are DER certificates that lead from
 * the report's signing key towards the platform's root, leaf first (for SEV-SNP: VCEK or VLEK,
 * then ASK or ASVK, optionally the ARK). {@code role} is the role the attesting process claims;
 * it is only believed because {@link IdentityBinding} folds it into the report's report_data.
 *
 * <p>The wire form ({@link #encode()}) is a CBOR array {@code [1, platform, role, report,
 * [endorsement...]]}: deterministic, versioned, and bounded by {@link #ENCODED_BYTES_MAX}.
 */
public record Evidence(TeePlatform platform, Role role, byte[] report, List<byte[]> endorsements) {
    /**
     * The largest encoded evidence accepted: an SEV-SNP report with a full chain is about 5 KiB and
     * a TDX quote with its PCK chain about 6 KiB; 64 KiB leaves room for collateral without letting
     * a peer make us parse megabytes.
     */
    public static final int ENCODED_BYTES_MAX = 64 * 1024;

    /** The most endorsement certificates carried (SEV-SNP needs at most VCEK, ASK, ARK). */
    public static final int ENDORSEMENTS_MAX = 8;

    private static final int FORMAT_VERSION = 1;

    /** Creates evidence; the arrays are copied so the record stays immutable. */
    public Evidence {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(role, "role");
        report = report.clone();
        List<byte[]> copies = new ArrayList<>(endorsements.size());
        for (byte[] endorsement : endorsements) {
            copies.add(endorsement.clone());
        }
        endorsements = List.copyOf(copies);
    }

    /** Returns a copy of the platform-native report. */
    @Override
    public byte[] report() {
        return report.clone();
    }

    /** Returns copies of the endorsement certificates, leaf first. */
    @Override
    public List<byte[]> endorsements() {
        List<byte[]> copies = new ArrayList<>(endorsements.size());
        for (byte[] endorsement : endorsements) {
            copies.add(endorsement.clone());
        }
        return copies;
    }

    /** Returns the deterministic CBOR wire form. */
    public byte[] encode() {
        CborWriter writer = new CborWriter()
                .array(5)
                .uint(FORMAT_VERSION)
                .text(platform.wireName())
                .text(role.wireName())
                .bytes(report)
                .array(endorsements.size());
        for (byte[] endorsement : endorsements) {
            writer.bytes(endorsement);
        }
        return writer.toByteArray();
    }

    /**
     * Parses the wire form.
     *
     * @throws AttestationException with {@link Refusal#NO_EVIDENCE} for empty input, and
     *     {@link Refusal#MALFORMED} for anything that is not exactly one well-formed record
     */
    public static Evidence decode(byte[] encoded) throws AttestationException {
        if (encoded == null || encoded.length == 0) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "evidence is empty");
        }
        if (encoded.length > ENCODED_BYTES_MAX) {
            throw new AttestationException(
                    Refusal.MALFORMED,
                    "evidence is " + encoded.length + " bytes, over the limit of " + ENCODED_BYTES_MAX);
        }
        try {
            CborReader reader = new CborReader(encoded);
            int items = reader.array(5);
            if (items != 5) {
                throw new AttestationException(Refusal.MALFORMED, "evidence record has " + items + " items, not 5");
            }
            long version = reader.uint();
            if (version != FORMAT_VERSION) {
                throw new AttestationException(Refusal.MALFORMED, "unknown evidence format version " + version);
            }
            TeePlatform platform = TeePlatform.fromWireName(reader.text(32));
            Role role = Role.fromWireName(reader.text(32));
            byte[] report = reader.bytes(ENCODED_BYTES_MAX);
            int count = reader.array(ENDORSEMENTS_MAX);
            List<byte[]> endorsements = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                endorsements.add(reader.bytes(ENCODED_BYTES_MAX));
            }
            reader.requireEnd();
            return new Evidence(platform, role, report, endorsements);
        } catch (CborException | IllegalArgumentException e) {
            throw new AttestationException(Refusal.MALFORMED, "evidence record: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Evidence that)) {
            return false;
        }
        return java.util.Arrays.equals(encode(), that.encode());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "Evidence[" + platform + ", role=" + role + ", report=" + report.length + " bytes, "
                + endorsements.size() + " endorsements]";
    }
}
