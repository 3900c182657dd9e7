package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedClaims;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFsTsmProviderTest {
    @TempDir
    Path root;

    private final byte[] reportData = reportData();

    @Test
    void readsReportAndCertificatesFromTheEntry() throws Exception {
        SnpVectors vector = SnpVectors.VIRTEE;
        FakeEntry fake = new FakeEntry(
                vector.report(),
                certificateTable(Map.of(
                        ConfigFsTsmProvider.GUID_VCEK, vector.leafDer(),
                        ConfigFsTsmProvider.GUID_ASK, vector.intermediateDer(),
                        ConfigFsTsmProvider.GUID_ARK, vector.arkDer())));

        Evidence evidence = new ConfigFsTsmProvider(root, fake).attest(Role.SECTOR, reportData);

        assertEquals(TeePlatform.SEV_SNP, evidence.platform());
        assertEquals(Role.SECTOR, evidence.role());
        assertArrayEquals(vector.report(), evidence.report());
        List<byte[]> endorsements = evidence.endorsements();
        assertEquals(3, endorsements.size());
        assertArrayEquals(vector.leafDer(), endorsements.get(0));
        assertArrayEquals(vector.intermediateDer(), endorsements.get(1));
        assertArrayEquals(vector.arkDer(), endorsements.get(2));
        assertArrayEquals(reportData, Files.readAllBytes(fake.entry.resolve("inblob")));
        VerifiedClaims claims = new SevSnpVerifier().verify(evidence, SnpVectors.VALID_AT);
        assertEquals(vector.measurementHex, claims.measurementHex());
    }

    @Test
    void picksTheVlekWhenKeyInfoSaysVlek() throws Exception {
        SnpVectors vector = SnpVectors.TRUSTEE_VLEK;
        FakeEntry fake = new FakeEntry(
                vector.report(),
                certificateTable(Map.of(
                        ConfigFsTsmProvider.GUID_VCEK, SnpVectors.VIRTEE.leafDer(),
                        ConfigFsTsmProvider.GUID_VLEK, vector.leafDer())));

        Evidence evidence = new ConfigFsTsmProvider(root, fake).attest(Role.CACHE, reportData);

        assertEquals(1, evidence.endorsements().size());
        assertArrayEquals(vector.leafDer(), evidence.endorsements().get(0));
        assertEquals(
                "vlek",
                new SevSnpVerifier()
                        .verify(evidence, SnpVectors.VALID_AT)
                        .details()
                        .get("signingKey"));
    }

    @Test
    void askSlotHoldingTheWrongIssuerIsLeftOut() throws Exception {
        // A VLEK host that still serves the VCEK's ASK: the verifier's shipped ASVK must be used.
        SnpVectors vector = SnpVectors.TRUSTEE_VLEK;
        FakeEntry fake = new FakeEntry(
                vector.report(),
                certificateTable(Map.of(
                        ConfigFsTsmProvider.GUID_VLEK, vector.leafDer(),
                        ConfigFsTsmProvider.GUID_ASK, SnpVectors.VIRTEE.intermediateDer(),
                        ConfigFsTsmProvider.GUID_ARK, SnpVectors.VIRTEE.arkDer())));

        Evidence evidence = new ConfigFsTsmProvider(root, fake).attest(Role.CACHE, reportData);

        assertEquals(1, evidence.endorsements().size());
        new SevSnpVerifier().verify(evidence, SnpVectors.VALID_AT);
    }

    @Test
    void pemCertificatesInTheTableBecomeDer() throws Exception {
        SnpVectors vector = SnpVectors.VIRTEE;
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(vector.leafDer())
                + "\n-----END CERTIFICATE-----\n";
        FakeEntry fake = new FakeEntry(
                vector.report(),
                certificateTable(Map.of(ConfigFsTsmProvider.GUID_VCEK, pem.getBytes(StandardCharsets.US_ASCII))));

        Evidence evidence = new ConfigFsTsmProvider(root, fake).attest(Role.CACHE, reportData);

        assertArrayEquals(vector.leafDer(), evidence.endorsements().get(0));
    }

    @Test
    void missingOutblobIsNoEvidence() {
        FakeEntry fake = new FakeEntry(null, certificateTable(Map.of()));

        AttestationException e = refusal(new ConfigFsTsmProvider(root, fake));

        assertEquals(Refusal.NO_EVIDENCE, e.refusal());
        assertTrue(e.getMessage().contains("outblob"), e.getMessage());
    }

    @Test
    void wrongProviderIsUnsupported() {
        FakeEntry fake = new FakeEntry(SnpVectors.VIRTEE.report(), new byte[0]);
        fake.provider = "tdx_guest\n";

        AttestationException e = refusal(new ConfigFsTsmProvider(root, fake));

        assertEquals(Refusal.UNSUPPORTED_PLATFORM, e.refusal());
        assertTrue(e.getMessage().contains("tdx_guest"), e.getMessage());
    }

    @Test
    void missingProviderIsNoEvidence() {
        FakeEntry fake = new FakeEntry(SnpVectors.VIRTEE.report(), new byte[0]);
        fake.provider = null;

        assertEquals(
                Refusal.NO_EVIDENCE,
                refusal(new ConfigFsTsmProvider(root, fake)).refusal());
    }

    @Test
    void missingInblobIsNoEvidence() {
        FakeEntry fake = new FakeEntry(SnpVectors.VIRTEE.report(), new byte[0]);
        fake.withInblob = false;

        assertEquals(
                Refusal.NO_EVIDENCE,
                refusal(new ConfigFsTsmProvider(root, fake)).refusal());
    }

    @Test
    void garbageOutblobIsMalformed() {
        FakeEntry fake = new FakeEntry(new byte[100], new byte[0]);

        assertEquals(
                Refusal.MALFORMED, refusal(new ConfigFsTsmProvider(root, fake)).refusal());
    }

    @Test
    void emptyOrMissingAuxblobIsAChainFailure() {
        FakeEntry empty = new FakeEntry(SnpVectors.VIRTEE.report(), new byte[0]);
        FakeEntry missing = new FakeEntry(SnpVectors.VIRTEE.report(), null);

        assertEquals(
                Refusal.CHAIN, refusal(new ConfigFsTsmProvider(root, empty)).refusal());
        assertEquals(
                Refusal.CHAIN, refusal(new ConfigFsTsmProvider(root, missing)).refusal());
    }

    @Test
    void tableWithoutTheVcekIsAChainFailure() {
        FakeEntry fake = new FakeEntry(
                SnpVectors.VIRTEE.report(),
                certificateTable(Map.of(ConfigFsTsmProvider.GUID_ASK, SnpVectors.VIRTEE.intermediateDer())));

        AttestationException e = refusal(new ConfigFsTsmProvider(root, fake));

        assertEquals(Refusal.CHAIN, e.refusal());
        assertTrue(e.getMessage().contains("VCEK"), e.getMessage());
    }

    @Test
    void malformedCertificateTablesAreRefused() {
        byte[] good = certificateTable(Map.of(ConfigFsTsmProvider.GUID_VCEK, SnpVectors.VIRTEE.leafDer()));
        // No terminator: just the first entry.
        assertMalformedTable(Arrays.copyOf(good, 24));
        // Truncated mid-entry.
        assertMalformedTable(Arrays.copyOf(good, 30));
        // Offset into the header.
        byte[] intoHeader = good.clone();
        ByteBuffer.wrap(intoHeader).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 8);
        assertMalformedTable(intoHeader);
        // Length beyond the end.
        byte[] beyond = good.clone();
        ByteBuffer.wrap(beyond).order(ByteOrder.LITTLE_ENDIAN).putInt(20, Integer.MAX_VALUE);
        assertMalformedTable(beyond);
        // Offset + length overflowing 32 bits.
        byte[] overflow = good.clone();
        ByteBuffer.wrap(overflow).order(ByteOrder.LITTLE_ENDIAN).putInt(16, -1).putInt(20, -1);
        assertMalformedTable(overflow);
        // A garbage certificate.
        byte[] garbage = good.clone();
        Arrays.fill(garbage, 48, garbage.length, (byte) 0x41);
        assertMalformedTable(garbage);
    }

    @Test
    void duplicateGuidIsMalformed() {
        byte[] leaf = SnpVectors.VIRTEE.leafDer();
        ByteBuffer table = ByteBuffer.allocate(72 + leaf.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2; i++) {
            putGuid(table, ConfigFsTsmProvider.GUID_VCEK);
            table.putInt(72).putInt(leaf.length);
        }
        table.put(new byte[24]).put(leaf);

        assertMalformedTable(table.array());
    }

    @Test
    void certificateTableIsParsedByGuid() throws AttestationException {
        byte[] ask = SnpVectors.VIRTEE.intermediateDer();
        byte[] leaf = SnpVectors.VIRTEE.leafDer();
        Map<UUID, byte[]> table = ConfigFsTsmProvider.parseCertificateTable(
                certificateTable(Map.of(ConfigFsTsmProvider.GUID_ASK, ask, ConfigFsTsmProvider.GUID_VCEK, leaf)));

        assertEquals(2, table.size());
        assertArrayEquals(ask, table.get(ConfigFsTsmProvider.GUID_ASK));
        assertArrayEquals(leaf, table.get(ConfigFsTsmProvider.GUID_VCEK));
        assertEquals(Map.of(), ConfigFsTsmProvider.parseCertificateTable(new byte[0]));
        assertEquals(0, ConfigFsTsmProvider.parseCertificateTable(new byte[24]).size());
    }

    @Test
    void vcekGuidIsStoredInRfc4122ByteOrder() {
        byte[] table = certificateTable(Map.of(ConfigFsTsmProvider.GUID_VCEK, SnpVectors.VIRTEE.leafDer()));
        assertEquals(
                "63da758de6644564adc5f4b93be8accd", java.util.HexFormat.of().formatHex(table, 0, 16));
    }

    @Test
    void missingRootIsNoEvidence() {
        ConfigFsTsmProvider provider = new ConfigFsTsmProvider(root.resolve("absent"));

        AttestationException e = refusal(provider);

        assertEquals(Refusal.NO_EVIDENCE, e.refusal());
        assertTrue(e.getMessage().contains("configfs-tsm"), e.getMessage());
    }

    @Test
    void defaultEntryIsCreatedUniquelyAndRemoved() throws IOException {
        // A plain directory has no attribute files, so the attempt fails; the empty entry it
        // created must be gone afterwards, as rmdir leaves nothing behind on configfs.
        ConfigFsTsmProvider provider = new ConfigFsTsmProvider(root);

        assertEquals(Refusal.NO_EVIDENCE, refusal(provider).refusal());
        try (Stream<Path> children = Files.list(root)) {
            assertEquals(0, children.count());
        }
    }

    @Test
    void reportDataMustBe64Bytes() {
        ConfigFsTsmProvider provider = new ConfigFsTsmProvider(root);
        assertThrows(IllegalArgumentException.class, () -> provider.attest(Role.CACHE, new byte[63]));
        assertThrows(IllegalArgumentException.class, () -> provider.attest(Role.CACHE, null));
    }

    @Test
    void platformIsSevSnp() {
        assertEquals(TeePlatform.SEV_SNP, new ConfigFsTsmProvider().platform());
        assertEquals(Path.of("/sys/kernel/config/tsm/report"), ConfigFsTsmProvider.DEFAULT_ROOT);
    }

    private void assertMalformedTable(byte[] table) {
        FakeEntry fake = new FakeEntry(SnpVectors.VIRTEE.report(), table);
        AttestationException e = refusal(new ConfigFsTsmProvider(root, fake));
        assertEquals(Refusal.MALFORMED, e.refusal(), e.getMessage());
    }

    private AttestationException refusal(ConfigFsTsmProvider provider) {
        return assertThrows(AttestationException.class, () -> provider.attest(Role.TABLET_STORE, reportData));
    }

    private static byte[] reportData() {
        byte[] data = new byte[64];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        return data;
    }

    /** Builds an SNP certificate table: entries, an all-zero terminator, then the blobs. */
    static byte[] certificateTable(Map<UUID, byte[]> certificates) {
        Map<UUID, byte[]> ordered = new LinkedHashMap<>(certificates);
        int headerBytes = 24 * (ordered.size() + 1);
        int total =
                headerBytes + ordered.values().stream().mapToInt(b -> b.length).sum();
        ByteBuffer table = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        int offset = headerBytes;
        List<byte[]> blobs = new ArrayList<>();
        for (Map.Entry<UUID, byte[]> entry : ordered.entrySet()) {
            putGuid(table, entry.getKey());
            table.putInt(offset).putInt(entry.getValue().length);
            offset += entry.getValue().length;
            blobs.add(entry.getValue());
        }
        table.put(new byte[24]);
        blobs.forEach(table::put);
        return table.array();
    }

    private static void putGuid(ByteBuffer buffer, UUID guid) {
        buffer.order(ByteOrder.BIG_ENDIAN)
                .putLong(guid.getMostSignificantBits())
                .putLong(guid.getLeastSignificantBits())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Stands in for configfs: creates the entry and fills it with the attribute files the kernel
     * would show. A null blob leaves that file out.
     */
    private static final class FakeEntry implements ConfigFsTsmProvider.EntryMaker {
        private final byte[] outblob;
        private final byte[] auxblob;
        String provider = "sev_guest\n";
        boolean withInblob = true;
        Path entry;

        FakeEntry(byte[] outblob, byte[] auxblob) {
            this.outblob = outblob;
            this.auxblob = auxblob;
        }

        @Override
        public Path make(Path root) throws IOException {
            entry = Files.createDirectory(root.resolve("entry-" + UUID.randomUUID()));
            if (provider != null) {
                Files.writeString(entry.resolve("provider"), provider, StandardCharsets.US_ASCII);
            }
            if (withInblob) {
                Files.write(entry.resolve("inblob"), new byte[0]);
            }
            if (outblob != null) {
                Files.write(entry.resolve("outblob"), outblob);
            }
            if (auxblob != null) {
                Files.write(entry.resolve("auxblob"), auxblob);
            }
            Files.writeString(entry.resolve("generation"), "1\n", StandardCharsets.US_ASCII);
            return entry;
        }
    }
}
