package dev.ratchet.attestation.simulated;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.IdentityBinding;
import dev.ratchet.attestation.Refusal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * INSECURE: the binary report of the simulated platform, deliberately unlike any vendor format so
 * that it can never be mistaken for one.
 *
 * <p>Layout (big-endian): magic {@code "SIMTEE01"} (8), version u16 = 1, flags u16 (bit 0 =
 * debug, other bits must be zero), measurement (48), host_data (32), report_data (64), issued-at
 * milliseconds since the epoch u64, machine id (16), signature length u16, then an ECDSA P-384
 * DER signature by the machine's endorsement key over every byte before the length.
 */
record SimulatedReport(
        boolean debug,
        byte[] measurement,
        byte[] hostData,
        byte[] reportData,
        long issuedAtMillis,
        byte[] machineId,
        byte[] signature) {

    static final byte[] MAGIC = "SIMTEE01".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int MEASUREMENT_BYTES = 48;
    static final int HOST_DATA_BYTES = 32;
    static final int MACHINE_ID_BYTES = 16;
    static final int SIGNED_BYTES =
            8 + 2 + 2 + MEASUREMENT_BYTES + HOST_DATA_BYTES + IdentityBinding.REPORT_DATA_BYTES + 8 + MACHINE_ID_BYTES;
    /** An ECDSA P-384 DER signature is at most 104 bytes; 128 leaves slack and bounds parsing. */
    static final int SIGNATURE_BYTES_MAX = 128;

    private static final int FLAG_DEBUG = 1;

    /** Returns the bytes the signature covers. */
    byte[] signedBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(SIGNED_BYTES);
        buffer.put(MAGIC);
        buffer.putShort((short) VERSION);
        buffer.putShort((short) (debug ? FLAG_DEBUG : 0));
        buffer.put(measurement);
        buffer.put(hostData);
        buffer.put(reportData);
        buffer.putLong(issuedAtMillis);
        buffer.put(machineId);
        return buffer.array();
    }

    /** Returns the whole report: signed bytes, signature length, signature. */
    byte[] encode() {
        byte[] signed = signedBytes();
        ByteBuffer buffer = ByteBuffer.allocate(signed.length + 2 + signature.length);
        buffer.put(signed);
        buffer.putShort((short) signature.length);
        buffer.put(signature);
        return buffer.array();
    }

    /**
     * Parses a report.
     *
     * @throws AttestationException {@link Refusal#MALFORMED} for anything but one exact report
     */
    static SimulatedReport decode(byte[] bytes) throws AttestationException {
        if (bytes.length == 0) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "simulated report is empty");
        }
        if (bytes.length < SIGNED_BYTES + 2 || bytes.length > SIGNED_BYTES + 2 + SIGNATURE_BYTES_MAX) {
            throw new AttestationException(
                    Refusal.MALFORMED,
                    "simulated report is " + bytes.length + " bytes, outside " + (SIGNED_BYTES + 2) + ".."
                            + (SIGNED_BYTES + 2 + SIGNATURE_BYTES_MAX));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        byte[] magic = take(buffer, MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new AttestationException(Refusal.MALFORMED, "not a simulated report: bad magic");
        }
        int version = Short.toUnsignedInt(buffer.getShort());
        if (version != VERSION) {
            throw new AttestationException(Refusal.MALFORMED, "unknown simulated report version " + version);
        }
        int flags = Short.toUnsignedInt(buffer.getShort());
        if ((flags & ~FLAG_DEBUG) != 0) {
            throw new AttestationException(Refusal.MALFORMED, "reserved simulated report flags set: " + flags);
        }
        byte[] measurement = take(buffer, MEASUREMENT_BYTES);
        byte[] hostData = take(buffer, HOST_DATA_BYTES);
        byte[] reportData = take(buffer, IdentityBinding.REPORT_DATA_BYTES);
        long issuedAtMillis = buffer.getLong();
        byte[] machineId = take(buffer, MACHINE_ID_BYTES);
        int signatureLength = Short.toUnsignedInt(buffer.getShort());
        if (signatureLength != buffer.remaining()) {
            throw new AttestationException(
                    Refusal.MALFORMED,
                    "simulated report signature length " + signatureLength + " but " + buffer.remaining()
                            + " bytes remain");
        }
        byte[] signature = take(buffer, signatureLength);
        return new SimulatedReport(
                (flags & FLAG_DEBUG) != 0, measurement, hostData, reportData, issuedAtMillis, machineId, signature);
    }

    private static byte[] take(ByteBuffer buffer, int length) {
        byte[] value = new byte[length];
        buffer.get(value);
        return value;
    }
}
