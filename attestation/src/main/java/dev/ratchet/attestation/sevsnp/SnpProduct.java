package dev.ratchet.attestation.sevsnp;

import java.util.Locale;
import java.util.Optional;

/**
 * An AMD EPYC generation that runs SEV-SNP, each with its own ARK, intermediates and TCB layout.
 *
 * <p>The product decides which pinned root a report must chain to and how the 8-byte TCB_VERSION
 * is laid out (Turin added an FMC component and moved the others; attestation.md §1.3).
 */
enum SnpProduct {
    MILAN("Milan"),
    GENOA("Genoa"),
    TURIN("Turin");

    private final String kdsName;

    SnpProduct(String kdsName) {
        this.kdsName = kdsName;
    }

    /** Returns the name AMD's KDS uses in its URLs, e.g. {@code Milan}. */
    String kdsName() {
        return kdsName;
    }

    /**
     * Returns the product for the CPUID family and model a v3+ report carries.
     *
     * <p>Ranges follow AMD's family/model assignments: family 19h models 00h-0Fh are Milan, 10h-1Fh
     * Genoa and A0h-AFh its Bergamo/Siena siblings (which KDS serves under "Genoa"); family 1Ah
     * models 00h-1Fh are Turin (go-sev-guest's CPUID table lists 0x00b00f20 and 0x00b10f20, i.e.
     * models 02h and 12h).
     */
    static Optional<SnpProduct> fromCpuid(int family, int model) {
        if (family == 0x19 && model <= 0x0F) {
            return Optional.of(MILAN);
        }
        if (family == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))) {
            return Optional.of(GENOA);
        }
        if (family == 0x1A && model <= 0x1F) {
            return Optional.of(TURIN);
        }
        return Optional.empty();
    }

    /**
     * Returns the product named by a VCEK or VLEK product-name extension.
     *
     * <p>VCEKs carry the stepping ({@code Milan-B0}, {@code Genoa-B1}); VLEKs and some Genoa VCEKs
     * carry the bare name. The part before the first dash decides.
     */
    static Optional<SnpProduct> fromProductName(String productName) {
        String base = productName.split("-", 2)[0].trim().toLowerCase(Locale.ROOT);
        for (SnpProduct product : values()) {
            if (product.kdsName.toLowerCase(Locale.ROOT).equals(base)) {
                return Optional.of(product);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return kdsName;
    }
}
