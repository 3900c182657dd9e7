package dev.ratchet.attestation.tls;

import dev.ratchet.attestation.NodeIdentity;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of every Ratchet TLS link: it always presents this node's one identity.
 *
 * <p>A JDK key manager filters certificates by the issuers the peer names and by key type; an
 * RA-TLS certificate is self-signed and the peer names no issuers, so a single fixed answer is
 * both simpler and predictable across JSSE, Netty's OpenSSL engine and Ratis.
 */
public final class AttestedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "ratchet-node";

    private final NodeIdentity identity;

    /** Creates a key manager that presents {@code identity}. */
    public AttestedKeyManager(NodeIdentity identity) {
        this.identity = identity;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseClient(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseClient(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matches(keyType) ? ALIAS : null;
    }

    private String chooseClient(String[] keyTypes) {
        for (String keyType : keyTypes) {
            if (matches(keyType)) {
                return ALIAS;
            }
        }
        return null;
    }

    // The stacks ask per key type ("EC", "RSA", or "EC_EC" style names in TLS 1.2); offering our
    // one key for a type it is not would make the handshake pick an impossible signature scheme.
    private boolean matches(String keyType) {
        String algorithm = identity.privateKey().getAlgorithm();
        return keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_"));
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? new X509Certificate[] {identity.certificate()} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? identity.privateKey() : null;
    }
}
