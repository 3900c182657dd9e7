package dev.ratchet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ratchet.cache.TabletSeal.SealedTablet;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TabletSealTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY = filled(32, 1);
    private static final byte[] NONCE = filled(12, 100);
    private static final long EPOCH = 3;
    private static final long TABLET = 17;
    private static final long VERSION = 5;
    private static final byte[] PLAINTEXT =
            "tablet plaintext, long enough to span more than one ChaCha20 block of 64 bytes"
                    .getBytes(StandardCharsets.UTF_8);

    private static byte[] filled(int length, int start) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (start + i);
        }
        return bytes;
    }

    private static SealedTablet sealed() {
        return TabletSeal.seal(KEY, EPOCH, TABLET, VERSION, PLAINTEXT, NONCE);
    }

    private static void assertRefused(
            byte[] key, long epoch, long tablet, long version, byte[] ciphertext, byte[] nonce, byte[] mac) {
        assertThrows(
                TabletIntegrityException.class,
                () -> TabletSeal.open(key, epoch, tablet, version, ciphertext, nonce, mac));
    }

    @Test
    void seal_thenOpen_roundTrips() throws Exception {
        SealedTablet sealed = sealed();

        assertEquals(PLAINTEXT.length, sealed.ciphertext().length);
        assertEquals(TabletSeal.MAC_BYTES, sealed.mac().length);
        assertArrayEquals(NONCE, sealed.nonce());
        assertFalse(Arrays.equals(PLAINTEXT, sealed.ciphertext()));
        assertArrayEquals(
                PLAINTEXT,
                TabletSeal.open(KEY, EPOCH, TABLET, VERSION, sealed.ciphertext(), sealed.nonce(), sealed.mac()));
    }

    @Test
    void seal_isDeterministicForTheSameInputs_andDiffersPerNonce() {
        SealedTablet first = sealed();
        SealedTablet second = sealed();
        SealedTablet otherNonce = TabletSeal.seal(KEY, EPOCH, TABLET, VERSION, PLAINTEXT, filled(12, 7));

        assertArrayEquals(first.ciphertext(), second.ciphertext());
        assertArrayEquals(first.mac(), second.mac());
        assertFalse(Arrays.equals(first.ciphertext(), otherNonce.ciphertext()));
    }

    @Test
    void seal_copiesTheNonce() {
        byte[] nonce = NONCE.clone();
        SealedTablet sealed = TabletSeal.seal(KEY, EPOCH, TABLET, VERSION, PLAINTEXT, nonce);
        nonce[0] ^= 1;

        assertArrayEquals(NONCE, sealed.nonce());
    }

    @Test
    void emptyPlaintext_roundTrips() throws Exception {
        SealedTablet sealed = TabletSeal.seal(KEY, EPOCH, TABLET, VERSION, new byte[0], NONCE);

        assertArrayEquals(
                new byte[0],
                TabletSeal.open(KEY, EPOCH, TABLET, VERSION, sealed.ciphertext(), sealed.nonce(), sealed.mac()));
    }

    @Test
    void open_refusesWrongKey() {
        SealedTablet s = sealed();
        byte[] wrong = KEY.clone();
        wrong[31] ^= 1;
        assertRefused(wrong, EPOCH, TABLET, VERSION, s.ciphertext(), s.nonce(), s.mac());
    }

    @Test
    void open_refusesAnotherTabletId_version_orEpoch() {
        SealedTablet s = sealed();
        assertRefused(KEY, EPOCH, TABLET + 1, VERSION, s.ciphertext(), s.nonce(), s.mac());
        assertRefused(KEY, EPOCH, TABLET, VERSION + 1, s.ciphertext(), s.nonce(), s.mac());
        // A replayed older version: the blob of version 5 served where the store says 6 (above),
        // and an old blob served for a version it never had.
        assertRefused(KEY, EPOCH, TABLET, VERSION - 1, s.ciphertext(), s.nonce(), s.mac());
        assertRefused(KEY, EPOCH + 1, TABLET, VERSION, s.ciphertext(), s.nonce(), s.mac());
    }

    @Test
    void open_refusesEveryFlippedCiphertextBit() {
        SealedTablet s = sealed();
        for (int bit = 0; bit < s.ciphertext().length * 8; bit++) {
            byte[] flipped = s.ciphertext().clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertRefused(KEY, EPOCH, TABLET, VERSION, flipped, s.nonce(), s.mac());
        }
    }

    @Test
    void open_refusesEveryFlippedMacOrNonceBit() {
        SealedTablet s = sealed();
        for (int bit = 0; bit < 32 * 8; bit++) {
            byte[] flipped = s.mac().clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertRefused(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), s.nonce(), flipped);
        }
        for (int bit = 0; bit < 12 * 8; bit++) {
            byte[] flipped = s.nonce().clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertRefused(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), flipped, s.mac());
        }
    }

    @Test
    void open_refusesTruncatedOrExtendedCiphertext() {
        SealedTablet s = sealed();
        byte[] ciphertext = s.ciphertext();
        assertRefused(
                KEY, EPOCH, TABLET, VERSION, Arrays.copyOf(ciphertext, ciphertext.length - 1), s.nonce(), s.mac());
        assertRefused(
                KEY, EPOCH, TABLET, VERSION, Arrays.copyOf(ciphertext, ciphertext.length + 1), s.nonce(), s.mac());
        assertRefused(KEY, EPOCH, TABLET, VERSION, new byte[0], s.nonce(), s.mac());
    }

    @Test
    void open_refusesMalformedNonceOrMac() {
        SealedTablet s = sealed();
        assertRefused(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), new byte[11], s.mac());
        assertRefused(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), null, s.mac());
        assertRefused(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), s.nonce(), Arrays.copyOf(s.mac(), 31));
        assertRefused(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), s.nonce(), new byte[0]);
    }

    @Test
    void seal_refusesBadKeyOrNonceLengths() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TabletSeal.seal(new byte[16], EPOCH, TABLET, VERSION, PLAINTEXT, NONCE));
        assertThrows(
                IllegalArgumentException.class,
                () -> TabletSeal.seal(KEY, EPOCH, TABLET, VERSION, PLAINTEXT, new byte[8]));
    }

    @Test
    void sealedTablet_roundTripsThroughParse() throws Exception {
        TabletContents tablet = TabletBatch.apply(
                        TabletContents.empty(TABLET),
                        java.util.List.of(KvOp.put(
                                TabletBatchTest.id(1), TabletBatchTest.bytes("k"), TabletBatchTest.bytes("v"))))
                .next();
        SealedTablet s = TabletSeal.seal(KEY, EPOCH, TABLET, VERSION, tablet.serialize(), NONCE);

        byte[] opened = TabletSeal.open(KEY, EPOCH, TABLET, VERSION, s.ciphertext(), s.nonce(), s.mac());

        assertEquals(tablet, TabletContents.parse(opened, TABLET));
    }

    /** RFC 5869 appendix A.1 (test case 1). */
    @Test
    void hkdf_rfc5869TestCase1() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");

        byte[] okm = TabletSeal.hkdf(salt, ikm, info, 42);

        assertEquals(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(okm));
    }

    /** RFC 5869 appendix A.3 (test case 3): no salt, no info. */
    @Test
    void hkdf_rfc5869TestCase3_zeroLengthSaltAndInfo() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");

        byte[] okm = TabletSeal.hkdf(new byte[0], ikm, new byte[0], 42);

        assertEquals(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                HEX.formatHex(okm));
    }

    /** RFC 8439 §2.4.2: the "sunscreen" vector, counter 1. */
    @Test
    void chacha20_rfc8439Section242() {
        byte[] key = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        byte[] nonce = HEX.parseHex("000000000000004a00000000");
        byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the"
                        + " future, sunscreen would be it.")
                .getBytes(StandardCharsets.US_ASCII);

        byte[] ciphertext = TabletSeal.chacha20(key, nonce, 1, plaintext);

        assertEquals(
                "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
                        + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
                        + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
                        + "5af90bbf74a35be6b40b8eedf2785e42874d",
                HEX.formatHex(ciphertext));
    }
}
