package dev.ratchet.attestation;

import java.util.Locale;

/**
 * A process's job in a Ratchet cluster, fixed at boot and bound into its attestation evidence.
 *
 * <p>The role is part of the identity digest in report_data (see {@link IdentityBinding}), so the
 * attested code itself vouches for the role it runs as. A verifier accepts a peer only for the
 * roles expected on that link, and only with a measurement the policy allows for that role.
 */
public enum Role {
    /** A Raft node of the tablet store. */
    TABLET_STORE("tablet-store"),
    /** A stateless cache node that batches client operations. */
    CACHE("cache"),
    /** A sector server holding erasure-coded sectors in RAM. */
    SECTOR("sector"),
    /** A client or operator tool. */
    CLIENT("client");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** Returns the stable lowercase name used on the wire, in evidence and on the command line. */
    public String wireName() {
        return wireName;
    }

    /**
     * Returns the role with this wire name.
     *
     * @throws IllegalArgumentException if no role has that name
     */
    public static Role fromWireName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Role role : values()) {
            if (role.wireName.equals(wanted)) {
                return role;
            }
        }
        throw new IllegalArgumentException(
                "unknown role '" + name + "'; expected one of tablet-store, cache, sector, client");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
