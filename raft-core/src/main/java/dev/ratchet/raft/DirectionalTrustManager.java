package dev.ratchet.raft;

import dev.ratchet.attestation.tls.AttestedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that judges peers who dial us and peers we dial by different rules.
 *
 * <p>Ratis uses one {@code GrpcTlsConfig} per port for both directions: the client conf secures
 * this server's client port (who may call us: clients and caches) and also any RaftClient this
 * process builds with the same parameters (whom we may call: tablet-store servers, at the node id
 * expected at that address). One role set cannot express both, so inbound checks ({@code
 * checkClientTrusted}) go to one {@link AttestedTrustManager} and outbound checks ({@code
 * checkServerTrusted}) to another.
 */
final class DirectionalTrustManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final AttestedTrustManager inbound;
    private final AttestedTrustManager outbound;

    DirectionalTrustManager(AttestedTrustManager inbound, AttestedTrustManager outbound) {
        this.inbound = inbound;
        this.outbound = outbound;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        inbound.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        outbound.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        inbound.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        outbound.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        inbound.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        outbound.checkServerTrusted(chain, authType);
    }

    /** Returns no issuers: peers are trusted for their evidence, not for who signed them. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }
}
