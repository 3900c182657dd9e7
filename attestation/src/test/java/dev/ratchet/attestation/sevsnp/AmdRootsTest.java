package dev.ratchet.attestation.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AmdRootsTest {
    private static final Map<SnpProduct, String> PINS = Map.of(
            SnpProduct.MILAN, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
            SnpProduct.GENOA, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
            SnpProduct.TURIN, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a");

    private final AmdRoots roots = AmdRoots.pinned();

    @Test
    void shippedArksHaveThePinnedFingerprints() throws Exception {
        for (SnpProduct product : SnpProduct.values()) {
            assertEquals(
                    PINS.get(product), AmdRoots.sha256Hex(roots.ark(product).getEncoded()), product.toString());
            assertEquals(
                    Optional.of(product), roots.productOfArk(roots.ark(product).getEncoded()));
        }
    }

    @Test
    void shippedCertificatesEqualTheKdsBundlesInTheVectors() throws Exception {
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_milan.pem").get(0),
                roots.ask(SnpProduct.MILAN).getEncoded());
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_milan.pem").get(1),
                roots.ark(SnpProduct.MILAN).getEncoded());
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_genoa.pem").get(0),
                roots.ask(SnpProduct.GENOA).getEncoded());
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_genoa.pem").get(1),
                roots.ark(SnpProduct.GENOA).getEncoded());
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_turin_vcek.pem").get(1),
                roots.ark(SnpProduct.TURIN).getEncoded());
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_milan_vlek.pem").get(0),
                roots.asvk(SnpProduct.MILAN).getEncoded());
        assertArrayEquals(
                SnpVectors.certificates("ask_ark_genoa_vlek.pem").get(0),
                roots.asvk(SnpProduct.GENOA).getEncoded());
    }

    @Test
    void intermediatesAreNamedAndIssuedPerProduct() throws Exception {
        for (SnpProduct product : SnpProduct.values()) {
            X509Certificate ark = roots.ark(product);
            assertEquals("CN=ARK-" + product.kdsName(), cn(ark));
            assertEquals("CN=SEV-" + product.kdsName(), cn(roots.ask(product)));
            assertEquals("CN=SEV-VLEK-" + product.kdsName(), cn(roots.asvk(product)));
            roots.ask(product).verify(ark.getPublicKey());
            roots.asvk(product).verify(ark.getPublicKey());
            assertTrue(roots.ask(product).getBasicConstraints() >= 0);
        }
    }

    @Test
    void unknownCertificateIsNoPinnedArk() {
        assertEquals(Optional.empty(), roots.productOfArk(SnpVectors.VIRTEE.leafDer()));
        assertEquals(Optional.empty(), roots.productOfArk(new byte[0]));
    }

    private static String cn(X509Certificate certificate) {
        String name = certificate.getSubjectX500Principal().getName();
        for (String part : name.split(",")) {
            if (part.startsWith("CN=")) {
                return part;
            }
        }
        return name;
    }
}
