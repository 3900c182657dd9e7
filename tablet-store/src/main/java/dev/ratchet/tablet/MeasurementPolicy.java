package dev.ratchet.tablet;

import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.Role;
import dev.ratchet.tablet.proto.RoleMeasurements;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated attestation allow-list: measurements allowed per role, and its version.
 *
 * <p>Held in canonical form (roles in enum order, measurements sorted and distinct), so equal
 * policies serialize to equal bytes. Not thread-safe.
 */
final class MeasurementPolicy {
    private TreeMap<Role, TreeSet<String>> allowed = new TreeMap<>();
    private long version;

    long version() {
        return version;
    }

    /** Returns whether {@code measurementHex} is allowed for {@code role}. */
    boolean allows(Role role, String measurementHex) {
        TreeSet<String> measurements = allowed.get(role);
        return measurements != null && measurements.contains(measurementHex);
    }

    /** Returns why {@code policy} is malformed, or null if it is acceptable. */
    static String problem(Policy policy) {
        Map<Role, Boolean> seen = new EnumMap<>(Role.class);
        int total = 0;
        for (RoleMeasurements entry : policy.getRolesList()) {
            Role role = entry.getRole();
            if (role == Role.ROLE_UNSPECIFIED || role == Role.UNRECOGNIZED) {
                return "policy names an unknown role (" + entry.getRoleValue() + ")";
            }
            if (seen.put(role, Boolean.TRUE) != null) {
                return "policy lists role " + role + " twice";
            }
            for (String measurement : entry.getMeasurementsHexList()) {
                if (!InputRules.isMeasurement(measurement)) {
                    return "measurement '" + abbreviate(measurement) + "' for " + role
                            + " is not lowercase hex of even length up to " + Limits.MEASUREMENT_HEX_CHARS_MAX;
                }
            }
            total += entry.getMeasurementsHexCount();
            if (total > Limits.POLICY_MEASUREMENTS_MAX) {
                return "policy has more than " + Limits.POLICY_MEASUREMENTS_MAX + " measurements";
            }
        }
        return null;
    }

    /** Replaces the policy and advances the version; the caller checked {@link #problem}. */
    void replace(Policy policy) {
        allowed = canonical(policy);
        version++;
    }

    /** Returns the policy in canonical form. */
    Policy toProto() {
        Policy.Builder builder = Policy.newBuilder();
        allowed.forEach((role, measurements) ->
                builder.addRoles(RoleMeasurements.newBuilder().setRole(role).addAllMeasurementsHex(measurements)));
        return builder.build();
    }

    /** Restores a policy and version read from a snapshot. */
    void restore(Policy policy, long version) {
        this.allowed = canonical(policy);
        this.version = version;
    }

    private static TreeMap<Role, TreeSet<String>> canonical(Policy policy) {
        TreeMap<Role, TreeSet<String>> result = new TreeMap<>();
        for (RoleMeasurements entry : policy.getRolesList()) {
            result.put(entry.getRole(), new TreeSet<>(entry.getMeasurementsHexList()));
        }
        return result;
    }

    private static String abbreviate(String s) {
        return s.length() <= 16 ? s : s.substring(0, 16) + "...";
    }
}
