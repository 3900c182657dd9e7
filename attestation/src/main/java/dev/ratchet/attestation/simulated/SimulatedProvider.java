package dev.ratchet.attestation.simulated;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceProvider;
import dev.ratchet.attestation.IdentityBinding;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INSECURE: makes simulated evidence, signed by a simulated machine key endorsed by a {@link
 * SimulatedCa}.
 *
 * <p>For development clusters and tests on machines without TEE hardware. The evidence has the
 * same shape as real evidence (report, endorsement chain, report_data binding), so every
 * verification path runs, but it protects nothing.
 */
public final class SimulatedProvider implements EvidenceProvider {
    private static final Logger log = LoggerFactory.getLogger(SimulatedProvider.class);

    private final SimulatedMachine machine;
    private final CodeMeasurement measurement;
    private final Clock clock;
    private final boolean debug;

    private SimulatedProvider(SimulatedMachine machine, CodeMeasurement measurement, Clock clock, boolean debug) {
        this.machine = machine;
        this.measurement = measurement;
        this.clock = clock;
        this.debug = debug;
    }

    /** Creates a provider on a fresh simulated machine of {@code ca}, not in debug mode. */
    public static SimulatedProvider create(SimulatedCa ca, CodeMeasurement measurement, Clock clock) {
        return create(ca, measurement, clock, /* debug= */ false);
    }

    /** Creates a provider on a fresh simulated machine of {@code ca}. */
    public static SimulatedProvider create(SimulatedCa ca, CodeMeasurement measurement, Clock clock, boolean debug) {
        Objects.requireNonNull(ca, "ca");
        return new SimulatedProvider(ca.issueMachine(), measurement, clock, debug);
    }

    @Override
    public TeePlatform platform() {
        return TeePlatform.SIMULATED;
    }

    @Override
    public Evidence attest(Role role, byte[] reportData) throws AttestationException {
        if (reportData.length != IdentityBinding.REPORT_DATA_BYTES) {
            throw new IllegalArgumentException("report_data must be 64 bytes: " + reportData.length);
        }
        SimulatedReport unsigned = new SimulatedReport(
                debug,
                measurement.forRole(role),
                new byte[SimulatedReport.HOST_DATA_BYTES],
                reportData,
                clock.millis(),
                machine.machineId(),
                new byte[0]);
        try {
            Signature signer = Signature.getInstance(SimulatedCa.SIGNATURE_ALGORITHM);
            signer.initSign(machine.keyPair().getPrivate());
            signer.update(unsigned.signedBytes());
            SimulatedReport report = new SimulatedReport(
                    unsigned.debug(),
                    unsigned.measurement(),
                    unsigned.hostData(),
                    unsigned.reportData(),
                    unsigned.issuedAtMillis(),
                    unsigned.machineId(),
                    signer.sign());
            log.warn("INSECURE: issuing SIMULATED evidence for role {}; this process is not in a TEE", role);
            return new Evidence(
                    TeePlatform.SIMULATED,
                    role,
                    report.encode(),
                    List.of(machine.certificate().getEncoded(), machine.root().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new AttestationException(Refusal.SIGNATURE, "cannot sign simulated report", e);
        }
    }

    /** Returns the measurement this provider reports for {@code role}, for allow-lists. */
    public byte[] measurement(Role role) {
        return measurement.forRole(role);
    }

    // Package-private: lets tests reach the machine certificate to tamper with it.
    SimulatedMachine machine() {
        return machine;
    }
}
