package dev.ratchet.attestation;

import java.util.Locale;

/** A kind of trusted execution environment whose evidence Ratchet can produce or check. */
public enum TeePlatform {
    /**
     * A software stand-in for a TEE, signed by a local CA. It protects nothing and is refused
     * unless a policy explicitly allows it.
     */
    SIMULATED("simulated"),
    /** AMD SEV-SNP confidential VMs. */
    SEV_SNP("sev-snp"),
    /** Intel TDX trust domains. */
    TDX("tdx"),
    /** AWS Nitro Enclaves. */
    NITRO("nitro");

    private final String wireName;

    TeePlatform(String wireName) {
        this.wireName = wireName;
    }

    /** Returns the stable lowercase name used on the wire and on the command line. */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns the platform with this wire name.
     *
     * @throws IllegalArgumentException if no platform has that name
     */
    public static TeePlatform fromWireName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (TeePlatform platform : values()) {
            if (platform.wireName.equals(wanted)) {
                return platform;
            }
        }
        throw new IllegalArgumentException(
                "unknown platform '" + name + "'; expected one of simulated, sev-snp, tdx, nitro");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
