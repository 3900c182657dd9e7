package dev.ratchet.attestation.sevsnp;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Refusal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A parsed SEV-SNP ATTESTATION_REPORT: the 1184-byte structure the AMD secure processor signs.
 *
 * <p>The parser checks only the structure (length, version, signature algorithm, fields the ABI
 * requires to be zero); it establishes nothing about authenticity. Layout: attestation.md §1.1
 * and AMD SEV-SNP Firmware ABI spec 56860, all integers little-endian.
 *
 * <p>Why strict: every byte of the signed region is covered by the signature, so rejecting
 * non-zero reserved bytes cannot refuse a genuine report from the firmware versions we know, and
 * it stops a future firmware's new fields from being silently ignored. The bytes after R and S in
 * the signature area are not signed; requiring them to be zero keeps one report from having many
 * byte encodings (so an evidence hash identifies one report).
 */
final class SnpReport {
    /** The report size in bytes, 0x4A0. */
    static final int REPORT_BYTES = 0x4A0;

    /** The signed region is every byte before the signature: 0x000..0x29F. */
    static final int SIGNED_BYTES = 0x2A0;

    /** The lowest report version accepted (version 2 is what older Milan firmware emits). */
    static final int VERSION_MIN = 2;

    /** The highest report version whose layout we know (version 5 adds mitigation vectors). */
    static final int VERSION_MAX = 5;

    /** The only signature algorithm SNP defines: ECDSA P-384 with SHA-384. */
    static final int SIGNATURE_ALGO_ECDSA_P384_SHA384 = 1;

    /** The VMPL value the firmware writes into reports requested by the host, not the guest. */
    static final long VMPL_HOST_REQUESTED = 0xFFFF_FFFFL;

    /** Size of R and of S in the signature area: little-endian, zero-padded to 72 bytes. */
    static final int SIGNATURE_COMPONENT_BYTES = 72;

    static final int POLICY_MIGRATE_MA_BIT = 18;
    static final int POLICY_DEBUG_BIT = 19;

    /** Policy bit 17 is reserved and the firmware refuses to launch a guest without it. */
    private static final int POLICY_RESERVED_ONE_BIT = 17;

    private static final int OFFSET_VERSION = 0x000;
    private static final int OFFSET_GUEST_SVN = 0x004;
    private static final int OFFSET_POLICY = 0x008;
    private static final int OFFSET_FAMILY_ID = 0x010;
    private static final int OFFSET_IMAGE_ID = 0x020;
    private static final int OFFSET_VMPL = 0x030;
    private static final int OFFSET_SIGNATURE_ALGO = 0x034;
    private static final int OFFSET_CURRENT_TCB = 0x038;
    private static final int OFFSET_PLATFORM_INFO = 0x040;
    private static final int OFFSET_KEY_INFO = 0x048;
    private static final int OFFSET_RESERVED_04C = 0x04C;
    private static final int OFFSET_REPORT_DATA = 0x050;
    private static final int OFFSET_MEASUREMENT = 0x090;
    private static final int OFFSET_HOST_DATA = 0x0C0;
    private static final int OFFSET_ID_KEY_DIGEST = 0x0E0;
    private static final int OFFSET_AUTHOR_KEY_DIGEST = 0x110;
    private static final int OFFSET_REPORT_ID = 0x140;
    private static final int OFFSET_REPORT_ID_MA = 0x160;
    private static final int OFFSET_REPORTED_TCB = 0x180;
    private static final int OFFSET_CPUID_FAMILY = 0x188;
    private static final int OFFSET_CPUID_MODEL = 0x189;
    private static final int OFFSET_CPUID_STEPPING = 0x18A;
    private static final int OFFSET_RESERVED_18B = 0x18B;
    private static final int OFFSET_CHIP_ID = 0x1A0;
    private static final int OFFSET_COMMITTED_TCB = 0x1E0;
    private static final int OFFSET_CURRENT_VERSION = 0x1E8;
    private static final int OFFSET_RESERVED_1EB = 0x1EB;
    private static final int OFFSET_COMMITTED_VERSION = 0x1EC;
    private static final int OFFSET_RESERVED_1EF = 0x1EF;
    private static final int OFFSET_LAUNCH_TCB = 0x1F0;
    private static final int OFFSET_RESERVED_208 = 0x208;
    private static final int OFFSET_SIGNATURE_R = 0x2A0;
    private static final int OFFSET_SIGNATURE_S = 0x2E8;
    private static final int OFFSET_SIGNATURE_TAIL = 0x330;

    static final int REPORT_DATA_BYTES = 64;
    static final int MEASUREMENT_BYTES = 48;
    static final int HOST_DATA_BYTES = 32;
    static final int CHIP_ID_BYTES = 64;
    static final int TCB_BYTES = 8;
    private static final int FAMILY_ID_BYTES = 16;
    private static final int DIGEST_BYTES = 48;
    private static final int REPORT_ID_BYTES = 32;

    /** KEY_INFO bits 31:5 are reserved and must be zero. */
    private static final int KEY_INFO_RESERVED_MASK = 0xFFFF_FFE0;

    /** The key that signed a report, from KEY_INFO bits 4:2. */
    enum SigningKey {
        /** The chip- and TCB-specific Versioned Chip Endorsement Key. */
        VCEK,
        /** The cloud-provider Versioned Loaded Endorsement Key; no chip binding. */
        VLEK,
        /** The report is not signed at all. */
        NONE
    }

    private final byte[] raw;
    private final int version;
    private final SigningKey signingKey;

    private SnpReport(byte[] raw, int version, SigningKey signingKey) {
        this.raw = raw;
        this.version = version;
        this.signingKey = signingKey;
    }

    /**
     * Parses and structurally checks a report.
     *
     * @throws AttestationException {@link Refusal#NO_EVIDENCE} for a missing or empty report,
     *     {@link Refusal#MALFORMED} for anything that is not a well-formed report
     */
    static SnpReport parse(byte[] bytes) throws AttestationException {
        if (bytes == null || bytes.length == 0) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "SEV-SNP report is empty");
        }
        if (bytes.length != REPORT_BYTES) {
            throw malformed("report is " + bytes.length + " bytes, not " + REPORT_BYTES);
        }
        byte[] raw = bytes.clone();
        long version = u32(raw, OFFSET_VERSION);
        if (version < VERSION_MIN || version > VERSION_MAX) {
            throw malformed("report version " + version + " is outside " + VERSION_MIN + ".." + VERSION_MAX);
        }
        long algo = u32(raw, OFFSET_SIGNATURE_ALGO);
        if (algo != SIGNATURE_ALGO_ECDSA_P384_SHA384) {
            throw malformed("SIGNATURE_ALGO is " + algo + ", not 1 (ECDSA P-384 with SHA-384)");
        }
        long policy = u64(raw, OFFSET_POLICY);
        if ((policy & (1L << POLICY_RESERVED_ONE_BIT)) == 0) {
            throw malformed("POLICY bit 17 is reserved and must be 1, policy is 0x" + Long.toHexString(policy));
        }
        long vmpl = u32(raw, OFFSET_VMPL);
        if (vmpl > 3 && vmpl != VMPL_HOST_REQUESTED) {
            throw malformed("VMPL is " + vmpl + "; only 0..3 and 0xFFFFFFFF exist");
        }
        int keyInfo = (int) u32(raw, OFFSET_KEY_INFO);
        if ((keyInfo & KEY_INFO_RESERVED_MASK) != 0) {
            throw malformed("KEY_INFO 0x" + Integer.toHexString(keyInfo) + " has reserved bits 31:5 set");
        }
        SigningKey signingKey = switch ((keyInfo >>> 2) & 0x7) {
            case 0 -> SigningKey.VCEK;
            case 1 -> SigningKey.VLEK;
            case 7 -> SigningKey.NONE;
            default -> throw malformed("KEY_INFO signing key " + ((keyInfo >>> 2) & 0x7) + " is reserved");
        };
        requireZero(raw, OFFSET_RESERVED_04C, 4, "reserved 0x04C");
        requireZero(raw, OFFSET_RESERVED_18B, OFFSET_CHIP_ID - OFFSET_RESERVED_18B, "reserved 0x18B..0x19F");
        requireZero(raw, OFFSET_RESERVED_1EB, 1, "reserved 0x1EB");
        requireZero(raw, OFFSET_RESERVED_1EF, 1, "reserved 0x1EF");
        requireZero(raw, OFFSET_RESERVED_208, SIGNED_BYTES - OFFSET_RESERVED_208, "reserved 0x208..0x29F");
        requireZero(raw, OFFSET_SIGNATURE_TAIL, REPORT_BYTES - OFFSET_SIGNATURE_TAIL, "signature area after R and S");
        return new SnpReport(raw, (int) version, signingKey);
    }

    int version() {
        return version;
    }

    long guestSvn() {
        return u32(raw, OFFSET_GUEST_SVN);
    }

    long policy() {
        return u64(raw, OFFSET_POLICY);
    }

    /** Returns POLICY bit 19: the host may read and write guest memory through debug commands. */
    boolean debugAllowed() {
        return (policy() & (1L << POLICY_DEBUG_BIT)) != 0;
    }

    /** Returns POLICY bit 18: the guest may be associated with a migration agent. */
    boolean migrateMaAllowed() {
        return (policy() & (1L << POLICY_MIGRATE_MA_BIT)) != 0;
    }

    byte[] familyId() {
        return slice(OFFSET_FAMILY_ID, FAMILY_ID_BYTES);
    }

    byte[] imageId() {
        return slice(OFFSET_IMAGE_ID, FAMILY_ID_BYTES);
    }

    /** Returns the VMPL, 0..3, or {@link #VMPL_HOST_REQUESTED}. */
    long vmpl() {
        return u32(raw, OFFSET_VMPL);
    }

    int signatureAlgo() {
        return (int) u32(raw, OFFSET_SIGNATURE_ALGO);
    }

    byte[] currentTcb() {
        return slice(OFFSET_CURRENT_TCB, TCB_BYTES);
    }

    long platformInfo() {
        return u64(raw, OFFSET_PLATFORM_INFO);
    }

    int keyInfo() {
        return (int) u32(raw, OFFSET_KEY_INFO);
    }

    SigningKey signingKey() {
        return signingKey;
    }

    /** Returns KEY_INFO bit 1: the guest asked the firmware to zero CHIP_ID. */
    boolean maskChipKey() {
        return (keyInfo() & 0x2) != 0;
    }

    /** Returns KEY_INFO bit 0: the ID block was signed by an author key. */
    boolean authorKeyEnabled() {
        return (keyInfo() & 0x1) != 0;
    }

    byte[] reportData() {
        return slice(OFFSET_REPORT_DATA, REPORT_DATA_BYTES);
    }

    byte[] measurement() {
        return slice(OFFSET_MEASUREMENT, MEASUREMENT_BYTES);
    }

    byte[] hostData() {
        return slice(OFFSET_HOST_DATA, HOST_DATA_BYTES);
    }

    byte[] idKeyDigest() {
        return slice(OFFSET_ID_KEY_DIGEST, DIGEST_BYTES);
    }

    byte[] authorKeyDigest() {
        return slice(OFFSET_AUTHOR_KEY_DIGEST, DIGEST_BYTES);
    }

    byte[] reportId() {
        return slice(OFFSET_REPORT_ID, REPORT_ID_BYTES);
    }

    byte[] reportIdMa() {
        return slice(OFFSET_REPORT_ID_MA, REPORT_ID_BYTES);
    }

    /** Returns the TCB the VCEK was derived for; the one the certificate's SPLs must equal. */
    byte[] reportedTcb() {
        return slice(OFFSET_REPORTED_TCB, TCB_BYTES);
    }

    /** Returns the combined CPUID family (e.g. 0x19), or 0 in a version 2 report. */
    int cpuidFamily() {
        return version >= 3 ? raw[OFFSET_CPUID_FAMILY] & 0xFF : 0;
    }

    /** Returns the combined CPUID model (e.g. 0x01 Milan, 0x11 Genoa), or 0 in a version 2 report. */
    int cpuidModel() {
        return version >= 3 ? raw[OFFSET_CPUID_MODEL] & 0xFF : 0;
    }

    /** Returns the CPUID stepping, or 0 in a version 2 report. */
    int cpuidStepping() {
        return version >= 3 ? raw[OFFSET_CPUID_STEPPING] & 0xFF : 0;
    }

    byte[] chipId() {
        return slice(OFFSET_CHIP_ID, CHIP_ID_BYTES);
    }

    byte[] committedTcb() {
        return slice(OFFSET_COMMITTED_TCB, TCB_BYTES);
    }

    byte[] launchTcb() {
        return slice(OFFSET_LAUNCH_TCB, TCB_BYTES);
    }

    /** Returns the current firmware version as {@code major.minor.build}. */
    String currentFirmware() {
        return firmware(OFFSET_CURRENT_VERSION);
    }

    /** Returns the committed firmware version as {@code major.minor.build}. */
    String committedFirmware() {
        return firmware(OFFSET_COMMITTED_VERSION);
    }

    /** Returns R as stored: 72 bytes, little-endian. */
    byte[] signatureR() {
        return slice(OFFSET_SIGNATURE_R, SIGNATURE_COMPONENT_BYTES);
    }

    /** Returns S as stored: 72 bytes, little-endian. */
    byte[] signatureS() {
        return slice(OFFSET_SIGNATURE_S, SIGNATURE_COMPONENT_BYTES);
    }

    /** Returns the bytes the signature covers, 0x000..0x29F. */
    byte[] signedBytes() {
        return slice(0, SIGNED_BYTES);
    }

    private String firmware(int offset) {
        return (raw[offset + 2] & 0xFF) + "." + (raw[offset + 1] & 0xFF) + "." + (raw[offset] & 0xFF);
    }

    private byte[] slice(int offset, int length) {
        return Arrays.copyOfRange(raw, offset, offset + length);
    }

    private static long u32(byte[] bytes, int offset) {
        return Integer.toUnsignedLong(
                ByteBuffer.wrap(bytes, offset, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    private static long u64(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes, offset, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static void requireZero(byte[] bytes, int offset, int length, String field) throws AttestationException {
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] != 0) {
                throw malformed(field + " must be zero but byte 0x" + Integer.toHexString(i) + " is 0x"
                        + Integer.toHexString(bytes[i] & 0xFF));
            }
        }
    }

    private static AttestationException malformed(String detail) {
        return new AttestationException(Refusal.MALFORMED, "SEV-SNP " + detail);
    }
}
