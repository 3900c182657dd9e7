package dev.ratchet.attestation.simulated;

import java.security.KeyPair;
import java.security.cert.X509Certificate;

/**
 * INSECURE: one simulated "chip": an endorsement key and its certificate from a {@link
 * SimulatedCa}.
 */
record SimulatedMachine(byte[] machineId, KeyPair keyPair, X509Certificate certificate, X509Certificate root) {}
