package dev.ratchet.deploy;

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
    static byte[] readEvidence(Path file) throws IOException {
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

    /** Reads every certificate in a PEM or DER file, in file order. */
    static List<X509Certificate> readCertificates(Path file) throws IOException {
        byte[] raw = readBounded(file);
        try {
            Collection<? extends Certificate> parsed =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(raw));
            if (parsed.isEmpty()) {
                throw new IOException("no certificate in " + file);
            }
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : parsed) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IOException("not a PEM or DER certificate: " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] readBounded(Path file) throws IOException {
        long size = Files.size(file);
        if (size > FILE_BYTES_MAX) {
            throw new IOException(file + " is " + size + " bytes, over the limit of " + FILE_BYTES_MAX);
        }
        return Files.readAllBytes(file);
    }
}
