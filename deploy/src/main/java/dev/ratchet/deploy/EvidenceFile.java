package dev.ratchet.deploy;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Refusal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * Reading evidence and certificate files the way operators have them: binary, hex or base64
 * evidence; PEM (one or more certificates) or DER certificates.
 *
 * <p>A file that cannot be read at all (missing, unreadable) is an {@link IOException}, which the
 * command reports as a usage error. A file that can be read but whose content is unacceptable (too
 * large, not a certificate) is bad input like a truncated report, so it is an {@link
 * AttestationException} with {@link Refusal#MALFORMED}, which the command prints as {@code
 * INVALID malformed: ...}.
 */
final class EvidenceFile {
    /** Evidence and certificate files beyond this are refused before they are read whole. */
    static final long FILE_BYTES_MAX = 1024 * 1024;

    private EvidenceFile() {}

    /**
     * Reads a file as bytes, decoding it if it is hex or base64 text.
     *
     * <p>Hex is tried first because a hex string is also valid base64. Binary evidence (an SNP
     * report, a CBOR record) contains bytes outside both alphabets, so it is never misread.
     */
    static byte[] readEvidence(Path file) throws IOException, AttestationException {
        byte[] raw = readBounded(file);
        String text = new String(raw, StandardCharsets.ISO_8859_1).replaceAll("\\s", "");
        if (!text.isEmpty() && text.length() % 2 == 0 && text.matches("[0-9a-fA-F]+")) {
            return HexFormat.of().parseHex(text);
        }
        if (!text.isEmpty() && text.matches("[A-Za-z0-9+/_-]+=*")) {
            try {
                return text.contains("-") || text.contains("_")
                        ? Base64.getUrlDecoder().decode(text)
                        : Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                return raw;
            }
        }
        return raw;
    }

    /**
     * Reads every certificate in a PEM or DER file, in file order.
     *
     * @throws AttestationException {@link Refusal#MALFORMED} if the file holds no certificate or
     *     is over {@link #FILE_BYTES_MAX}
     */
    static List<X509Certificate> readCertificates(Path file) throws IOException, AttestationException {
        byte[] raw = readBounded(file);
        try {
            Collection<? extends Certificate> parsed =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(raw));
            if (parsed.isEmpty()) {
                throw new AttestationException(Refusal.MALFORMED, "no certificate in " + file);
            }
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : parsed) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        } catch (CertificateException | RuntimeException e) {
            // The JDK's certificate parser reports some malformed inputs with unchecked exceptions.
            throw new AttestationException(
                    Refusal.MALFORMED, "not a PEM or DER certificate: " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] readBounded(Path file) throws IOException, AttestationException {
        long size = Files.size(file);
        if (size > FILE_BYTES_MAX) {
            throw new AttestationException(
                    Refusal.MALFORMED, file + " is " + size + " bytes, over the limit of " + FILE_BYTES_MAX);
        }
        return Files.readAllBytes(file);
    }
}
