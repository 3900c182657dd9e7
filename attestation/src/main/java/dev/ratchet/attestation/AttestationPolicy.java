package dev.ratchet.attestation;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The rules verified evidence must meet: allowed measurements per role, minimum TCB per
 * platform, and whether debug or simulated TEEs are acceptable.
 *
 * <p>Defaults are the safe ones: no measurement is allowed until one is added, debug is
 * forbidden (a debug TEE's memory is readable by the host), simulated evidence is forbidden (its
 * "vendor" is a local CA anyone can run), and SEV-SNP reports may come from any guest VMPL
 * (0..3). VMPL is a privilege level inside the guest and the measurement already covers the code
 * at every level, so the level Ratchet happens to run at is a deployment fact rather than a trust
 * gap; a deployment that knows it runs at VMPL 0 can tighten it. Instances are immutable.
 */
public final class AttestationPolicy {
    private final Map<Role, Set<String>> allowedMeasurements;
    private final boolean anyMeasurement;
    private final Map<TeePlatform, Map<String, Integer>> minimumTcb;
    private final boolean debugAllowed;
    private final boolean simulatedAllowed;
    private final int snpMaxVmpl;
    private final Duration maxEvidenceAge;

    private AttestationPolicy(Builder builder) {
        Map<Role, Set<String>> measurements = new EnumMap<>(Role.class);
        builder.allowedMeasurements.forEach((role, set) -> measurements.put(role, Set.copyOf(set)));
        this.allowedMeasurements = Map.copyOf(measurements);
        this.anyMeasurement = builder.anyMeasurement;
        Map<TeePlatform, Map<String, Integer>> tcb = new EnumMap<>(TeePlatform.class);
        builder.minimumTcb.forEach((platform, map) -> tcb.put(platform, Map.copyOf(map)));
        this.minimumTcb = Map.copyOf(tcb);
        this.debugAllowed = builder.debugAllowed;
        this.simulatedAllowed = builder.simulatedAllowed;
        this.snpMaxVmpl = builder.snpMaxVmpl;
        this.maxEvidenceAge = builder.maxEvidenceAge;
    }

    /** Returns a builder with the safe defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns whether simulated evidence may be accepted at all. */
    public boolean simulatedAllowed() {
        return simulatedAllowed;
    }

    /** Returns whether a debug-mode TEE may be accepted. */
    public boolean debugAllowed() {
        return debugAllowed;
    }

    /** Returns the highest SEV-SNP VMPL accepted (0..3). */
    public int snpMaxVmpl() {
        return snpMaxVmpl;
    }

    /** Returns the oldest evidence accepted, for platforms whose reports carry a timestamp; null if unbounded. */
    public Duration maxEvidenceAge() {
        return maxEvidenceAge;
    }

    /**
     * Checks verified claims for a peer claiming {@code role}.
     *
     * @throws AttestationException naming the first rule the claims break: {@link Refusal#DEBUG},
     *     {@link Refusal#TCB}, {@link Refusal#PLATFORM_POLICY} or {@link Refusal#MEASUREMENT}
     */
    public void check(VerifiedClaims claims, Role role) throws AttestationException {
        if (claims.debug() && !debugAllowed) {
            throw new AttestationException(Refusal.DEBUG, claims.platform() + " TEE runs in debug mode");
        }
        Map<String, Integer> floor = minimumTcb.getOrDefault(claims.platform(), Map.of());
        for (Map.Entry<String, Integer> component : floor.entrySet()) {
            Integer actual = claims.tcb().get(component.getKey());
            if (actual == null || actual < component.getValue()) {
                throw new AttestationException(
                        Refusal.TCB,
                        "TCB component " + component.getKey() + "=" + actual + " is below the minimum "
                                + component.getValue());
            }
        }
        if (claims.platform() == TeePlatform.SEV_SNP) {
            String vmpl = claims.details().get("vmpl");
            if (vmpl == null || Long.parseLong(vmpl) > snpMaxVmpl) {
                throw new AttestationException(
                        Refusal.PLATFORM_POLICY, "SEV-SNP VMPL " + vmpl + " is above the maximum " + snpMaxVmpl);
            }
        }
        if (!anyMeasurement) {
            Set<String> allowed = allowedMeasurements.getOrDefault(role, Set.of());
            if (!allowed.contains(claims.measurementHex())) {
                throw new AttestationException(
                        Refusal.MEASUREMENT,
                        "measurement " + claims.measurementHex() + " is not allowed for role " + role);
            }
        }
    }

    /** A builder of policies; every setting starts at its safe default. */
    public static final class Builder {
        private final Map<Role, Set<String>> allowedMeasurements = new EnumMap<>(Role.class);
        private boolean anyMeasurement;
        private final Map<TeePlatform, Map<String, Integer>> minimumTcb = new EnumMap<>(TeePlatform.class);
        private boolean debugAllowed;
        private boolean simulatedAllowed;
        private int snpMaxVmpl = 3;
        private Duration maxEvidenceAge;

        private Builder() {}

        /** Allows a measurement (hex, any case) for a role. */
        public Builder allowMeasurement(Role role, String measurementHex) {
            Objects.requireNonNull(role, "role");
            byte[] parsed = HexFormat.of().parseHex(measurementHex);
            allowedMeasurements
                    .computeIfAbsent(role, r -> new HashSet<>())
                    .add(HexFormat.of().formatHex(parsed).toLowerCase(Locale.ROOT));
            return this;
        }

        /** Allows a measurement for a role. */
        public Builder allowMeasurement(Role role, byte[] measurement) {
            return allowMeasurement(role, HexFormat.of().formatHex(measurement));
        }

        /**
         * Accepts any measurement for every role. Only for tools that report what evidence says
         * (such as {@code ratchet attest verify}); a cluster never uses it.
         */
        public Builder allowAnyMeasurement() {
            this.anyMeasurement = true;
            return this;
        }

        /** Requires each named TCB component of {@code platform} to be at least the given value. */
        public Builder minimumTcb(TeePlatform platform, Map<String, Integer> components) {
            minimumTcb.computeIfAbsent(platform, p -> new HashMap<>()).putAll(components);
            return this;
        }

        /** Allows or forbids debug-mode TEEs (forbidden by default). */
        public Builder allowDebug(boolean allowed) {
            this.debugAllowed = allowed;
            return this;
        }

        /** Allows or forbids simulated evidence (forbidden by default). */
        public Builder allowSimulated(boolean allowed) {
            this.simulatedAllowed = allowed;
            return this;
        }

        /** Sets the highest SEV-SNP VMPL accepted, 0..3 (default 3). */
        public Builder snpMaxVmpl(int vmpl) {
            if (vmpl < 0 || vmpl > 3) {
                throw new IllegalArgumentException("VMPL must be 0..3: " + vmpl);
            }
            this.snpMaxVmpl = vmpl;
            return this;
        }

        /** Bounds the age of timestamped evidence; null (the default) leaves it unbounded. */
        public Builder maxEvidenceAge(Duration age) {
            if (age != null && (age.isNegative() || age.isZero())) {
                throw new IllegalArgumentException("max evidence age must be positive: " + age);
            }
            this.maxEvidenceAge = age;
            return this;
        }

        /** Returns the policy. */
        public AttestationPolicy build() {
            return new AttestationPolicy(this);
        }
    }
}
