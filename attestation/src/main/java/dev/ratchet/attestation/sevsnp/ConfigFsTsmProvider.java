package dev.ratchet.attestation.sevsnp;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.EvidenceProvider;
import dev.ratchet.attestation.IdentityBinding;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An evidence provider that asks the Linux configfs-tsm interface (Linux 6.7+) for an SEV-SNP
 * report and the host-supplied certificate table.
 *
 * <p>Protocol (Documentation/ABI/testing/configfs-tsm): create a directory under the report root,
 * write the 64-byte report_data to {@code inblob}, read {@code provider} (must be
 * {@code sev_guest}), read {@code outblob} (the 1184-byte report) and {@code auxblob} (the SNP
 * certificate table), then remove the directory. It is plain file I/O, so no native code is
 * needed. When the entry has a {@code generation} file, it is read before and after so a
 * concurrent writer to the same entry cannot hand us a report for someone else's report_data.
 *
 * <p>The certificate table (attestation.md §1.5) is a list of 24-byte entries, each a GUID in
 * RFC 4122 byte order, a little-endian u32 offset from the start of the table and a u32 length,
 * ended by an all-zero entry. The returned evidence carries the VCEK or VLEK (whichever KEY_INFO
 * says signed the report), then the ASK, then the ARK if the host supplied them.
 */
public final class ConfigFsTsmProvider implements EvidenceProvider {
    /** The report root of configfs-tsm when configfs is mounted at its usual place. */
    public static final Path DEFAULT_ROOT = Path.of("/sys/kernel/config/tsm/report");

    static final UUID GUID_VCEK = UUID.fromString("63da758d-e664-4564-adc5-f4b93be8accd");
    static final UUID GUID_VLEK = UUID.fromString("a8074bc2-a25a-483e-aae6-39c045a0b8a1");
    static final UUID GUID_ASK = UUID.fromString("4ab7b379-bbac-4fe4-a02f-05aef327c782");
    static final UUID GUID_ARK = UUID.fromString("c0b406a4-a803-4952-9743-3fb6014cd0ae");

    static final int CERT_TABLE_ENTRY_BYTES = 24;

    /** The provider name configfs-tsm reports for SEV-SNP guests. */
    static final String SEV_GUEST_PROVIDER = "sev_guest";

    /** No file here is legitimately larger than an SNP report or a certificate table of 3 certs. */
    private static final int BLOB_BYTES_MAX = Evidence.ENCODED_BYTES_MAX;

    private static final int PROVIDER_NAME_BYTES_MAX = 64;

    private static final Logger LOG = LoggerFactory.getLogger(ConfigFsTsmProvider.class);

    /**
     * The step that creates a report entry under the root and returns its path. On configfs the
     * kernel fills the new directory with its attribute files; tests substitute a maker that does
     * the same in a temporary directory.
     */
    @FunctionalInterface
    interface EntryMaker {
        Path make(Path root) throws IOException;
    }

    private final Path root;
    private final EntryMaker entryMaker;

    /** Creates a provider for the default configfs-tsm report root. */
    public ConfigFsTsmProvider() {
        this(DEFAULT_ROOT);
    }

    /** Creates a provider for the configfs-tsm report root at {@code root}. */
    public ConfigFsTsmProvider(Path root) {
        this(root, ConfigFsTsmProvider::makeUniqueEntry);
    }

    ConfigFsTsmProvider(Path root, EntryMaker entryMaker) {
        this.root = Objects.requireNonNull(root, "root");
        this.entryMaker = Objects.requireNonNull(entryMaker, "entryMaker");
    }

    @Override
    public TeePlatform platform() {
        return TeePlatform.SEV_SNP;
    }

    @Override
    public Evidence attest(Role role, byte[] reportData) throws AttestationException {
        Objects.requireNonNull(role, "role");
        if (reportData == null || reportData.length != IdentityBinding.REPORT_DATA_BYTES) {
            throw new IllegalArgumentException("reportData must be " + IdentityBinding.REPORT_DATA_BYTES + " bytes");
        }
        Path entry;
        try {
            entry = entryMaker.make(root);
        } catch (IOException e) {
            throw new AttestationException(
                    Refusal.NO_EVIDENCE,
                    "cannot create a configfs-tsm report entry under " + root
                            + " (needs Linux 6.7+, configfs mounted, and an SEV-SNP guest): " + e,
                    e);
        }
        try {
            return attestIn(entry, role, reportData);
        } finally {
            remove(entry);
        }
    }

    private Evidence attestIn(Path entry, Role role, byte[] reportData) throws AttestationException {
        String provider =
                new String(read(entry, "provider", PROVIDER_NAME_BYTES_MAX), StandardCharsets.US_ASCII).trim();
        if (!SEV_GUEST_PROVIDER.equals(provider)) {
            throw new AttestationException(
                    Refusal.UNSUPPORTED_PLATFORM,
                    "configfs-tsm provider is '" + provider + "', not " + SEV_GUEST_PROVIDER);
        }
        try {
            // WRITE only: configfs attributes exist already and take the blob in one write.
            Files.write(entry.resolve("inblob"), reportData, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new AttestationException(
                    Refusal.NO_EVIDENCE, "cannot write " + entry.resolve("inblob") + ": " + e, e);
        }
        Optional<String> generationBefore = generation(entry);
        byte[] report = read(entry, "outblob", BLOB_BYTES_MAX);
        byte[] certificateTable = readOptional(entry, "auxblob", BLOB_BYTES_MAX);
        Optional<String> generationAfter = generation(entry);
        if (!generationBefore.equals(generationAfter)) {
            throw new AttestationException(
                    Refusal.NO_EVIDENCE, "configfs-tsm entry " + entry + " was changed by another writer; try again");
        }
        SnpReport parsed = SnpReport.parse(report);
        List<byte[]> endorsements = endorsements(parsed.signingKey(), certificateTable);
        return new Evidence(TeePlatform.SEV_SNP, role, report, endorsements);
    }

    /** Returns the leaf the report's KEY_INFO names, then ASK and ARK, from a certificate table. */
    static List<byte[]> endorsements(SnpReport.SigningKey signingKey, byte[] certificateTable)
            throws AttestationException {
        Map<UUID, byte[]> table = parseCertificateTable(certificateTable);
        UUID leafGuid = switch (signingKey) {
            case VCEK -> GUID_VCEK;
            case VLEK -> GUID_VLEK;
            case NONE -> throw new AttestationException(Refusal.SIGNATURE, "the firmware returned an unsigned report");
        };
        byte[] leaf = table.get(leafGuid);
        if (leaf == null) {
            throw new AttestationException(
                    Refusal.CHAIN,
                    "the host's certificate table has no " + signingKey
                            + "; it must be provisioned on the host (e.g. snphost import) or fetched from AMD KDS");
        }
        X509Certificate leafCertificate = certificate(leaf, signingKey.toString());
        List<byte[]> endorsements = new ArrayList<>(3);
        endorsements.add(encoded(leafCertificate));
        // The table has one slot for "the ASK"; a host serving a VLEK may still put the VCEK's
        // ASK there. Only an issuer that really issued the leaf is passed on; otherwise the
        // verifier's shipped ASK/ASVK does the job.
        if (table.containsKey(GUID_ASK)) {
            X509Certificate ask = certificate(table.get(GUID_ASK), "ASK");
            if (ask.getSubjectX500Principal().equals(leafCertificate.getIssuerX500Principal())) {
                endorsements.add(encoded(ask));
                if (table.containsKey(GUID_ARK)) {
                    endorsements.add(encoded(certificate(table.get(GUID_ARK), "ARK")));
                }
            }
        }
        return endorsements;
    }

    /**
     * Parses an SNP certificate table into GUID → certificate bytes.
     *
     * @throws AttestationException {@link Refusal#MALFORMED} for a truncated table, an entry
     *     pointing outside it or into the header, a duplicate GUID, or a missing terminator
     */
    static Map<UUID, byte[]> parseCertificateTable(byte[] table) throws AttestationException {
        List<TableEntry> entries = new ArrayList<>();
        if (table.length == 0) {
            return Map.of();
        }
        ByteBuffer buffer = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        while (true) {
            if (buffer.remaining() < CERT_TABLE_ENTRY_BYTES) {
                throw new AttestationException(
                        Refusal.MALFORMED, "certificate table ends without its all-zero terminator entry");
            }
            // GUIDs are stored in RFC 4122 (big-endian) byte order, as go-sev-guest and snphost do.
            long mostSignificant = buffer.order(ByteOrder.BIG_ENDIAN).getLong();
            long leastSignificant = buffer.getLong();
            long offset =
                    Integer.toUnsignedLong(buffer.order(ByteOrder.LITTLE_ENDIAN).getInt());
            long length = Integer.toUnsignedLong(buffer.getInt());
            if (mostSignificant == 0 && leastSignificant == 0 && offset == 0 && length == 0) {
                break;
            }
            entries.add(new TableEntry(new UUID(mostSignificant, leastSignificant), offset, length));
            if (entries.size() > Evidence.ENDORSEMENTS_MAX * 2) {
                throw new AttestationException(Refusal.MALFORMED, "certificate table has too many entries");
            }
        }
        int headerBytes = buffer.position();
        Map<UUID, byte[]> certificates = new LinkedHashMap<>();
        for (TableEntry entry : entries) {
            if (entry.offset() < headerBytes || entry.offset() + entry.length() > table.length) {
                throw new AttestationException(
                        Refusal.MALFORMED,
                        "certificate table entry " + entry.guid() + " spans " + entry.offset() + "+" + entry.length()
                                + ", outside the " + table.length + "-byte table or inside its header");
            }
            byte[] blob = Arrays.copyOfRange(table, (int) entry.offset(), (int) (entry.offset() + entry.length()));
            if (certificates.put(entry.guid(), blob) != null) {
                throw new AttestationException(Refusal.MALFORMED, "certificate table lists " + entry.guid() + " twice");
            }
        }
        return certificates;
    }

    /** One header entry of the certificate table: which certificate, and where it lies. */
    private record TableEntry(UUID guid, long offset, long length) {}

    /** Parses one table blob; hosts store DER, some tools PEM, and blobs may be padded. */
    private static X509Certificate certificate(byte[] blob, String what) throws AttestationException {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(blob));
        } catch (CertificateException | RuntimeException e) {
            // The JDK's DER parser reports some malformed inputs with unchecked exceptions.
            throw new AttestationException(
                    Refusal.MALFORMED, "the host's " + what + " certificate cannot be parsed: " + e.getMessage(), e);
        }
    }

    /** Returns the exact DER that evidence carries. */
    private static byte[] encoded(X509Certificate certificate) throws AttestationException {
        try {
            return certificate.getEncoded();
        } catch (CertificateException e) {
            throw new AttestationException(Refusal.MALFORMED, "a host certificate cannot be re-encoded", e);
        }
    }

    private static Optional<String> generation(Path entry) throws AttestationException {
        if (!Files.exists(entry.resolve("generation"))) {
            return Optional.empty();
        }
        return Optional.of(
                new String(read(entry, "generation", PROVIDER_NAME_BYTES_MAX), StandardCharsets.US_ASCII).trim());
    }

    private static byte[] readOptional(Path entry, String name, int bytesMax) throws AttestationException {
        if (!Files.exists(entry.resolve(name))) {
            return new byte[0];
        }
        return read(entry, name, bytesMax);
    }

    private static byte[] read(Path entry, String name, int bytesMax) throws AttestationException {
        Path file = entry.resolve(name);
        try (InputStream in = Files.newInputStream(file)) {
            // configfs reports size 0 for blobs, so read to EOF, with a bound.
            byte[] bytes = in.readNBytes(bytesMax + 1);
            if (bytes.length > bytesMax) {
                throw new AttestationException(Refusal.MALFORMED, file + " is larger than " + bytesMax + " bytes");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new AttestationException(Refusal.NO_EVIDENCE, file + " does not exist", e);
        } catch (IOException e) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "cannot read " + file + ": " + e, e);
        }
    }

    private static void remove(Path entry) {
        try {
            // On configfs rmdir removes the entry with its attributes; deleting them one by one
            // is refused there, so rmdir is the only step.
            Files.delete(entry);
        } catch (DirectoryNotEmptyException e) {
            // An ordinary filesystem (a test's fake tree) keeps the files; its owner cleans up.
            LOG.debug("left non-configfs report entry {} in place", entry);
        } catch (IOException e) {
            LOG.warn("cannot remove configfs-tsm report entry {}: {}", entry, e.toString());
        }
    }

    private static Path makeUniqueEntry(Path root) throws IOException {
        // A fresh random name per request: entries are not shared, so no other process's
        // inblob can race ours except by guessing the name.
        return Files.createDirectory(root.resolve("ratchet-" + UUID.randomUUID()));
    }
}
