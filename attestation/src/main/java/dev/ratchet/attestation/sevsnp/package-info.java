/**
 * AMD SEV-SNP evidence: the attestation report parser, the verifier that checks a report against
 * the pinned AMD roots, and the configfs-tsm provider that obtains reports inside a guest.
 *
 * <p>Only {@link dev.ratchet.attestation.sevsnp.SevSnpVerifier} and {@link
 * dev.ratchet.attestation.sevsnp.ConfigFsTsmProvider} are public; the report layout, the AMD
 * certificate extensions and the roots are implementation details behind them. Design notes:
 * attestation.md §1.
 */
package dev.ratchet.attestation.sevsnp;
