package dev.ratchet.attestation.tls;

import dev.ratchet.attestation.AttestationException;
import dev.ratchet.attestation.AttestationVerifier;
import dev.ratchet.attestation.Evidence;
import dev.ratchet.attestation.Refusal;
import dev.ratchet.attestation.Role;
import dev.ratchet.attestation.TeePlatform;
import dev.ratchet.attestation.VerifiedPeer;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust manager of every Ratchet TLS link: it trusts a peer because of its attestation
 * evidence, never because of a CA.
 *
 * <p>Used on both sides of a mutual-TLS 1.3 connection, in JSSE, grpc-java and Ratis alike. For the
 * peer's leaf certificate it checks, in order: the session is TLS 1.3 (older versions lack the
 * handshake guarantees we rely on); the certificate is within its validity window; it carries
 * evidence ({@link EvidenceExtension}); the evidence verifies and meets the policy for a role this
 * link accepts, and its report_data binds this certificate's key ({@link
 * AttestationVerifier#verifyPeer}); and the peer's node id is the one expected, by address on the
 * dialling side ({@link PeerExpectation}) and by an optional filter on both. TLS 1.3's
 * CertificateVerify proves the peer holds the key, so a passed check means "this connection ends
 * inside an attested TEE running allowed code for this role".
 *
 * <p>Every refusal throws {@link PeerRefusedException}, is logged at WARN with its reason, and is
 * counted by reason ({@link #refusalCount(Refusal)}). Thread-safe.
 */
public final class AttestedTrustManager extends X509ExtendedTrustManager {
    private static final Logger log = LoggerFactory.getLogger(AttestedTrustManager.class);
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];
    private static final String TLS_1_3 = "TLSv1.3";

    private final AttestationVerifier verifier;
    private final Set<Role> acceptedRoles;
    private final Clock clock;
    private final PeerExpectation expectation;
    private final Predicate<String> nodeIdFilter;
    private final AtomicLongArray refusals = new AtomicLongArray(Refusal.values().length);

    private AttestedTrustManager(Builder builder) {
        this.verifier = builder.verifier;
        this.acceptedRoles = Set.copyOf(builder.acceptedRoles);
        this.clock = builder.clock;
        this.expectation = builder.expectation;
        this.nodeIdFilter = builder.nodeIdFilter;
    }

    /** Returns a builder for a trust manager that uses {@code verifier}. */
    public static Builder builder(AttestationVerifier verifier) {
        return new Builder(verifier);
    }

    /**
     * Verifies a peer's certificate chain outside any TLS stack, with the same checks as a
     * handshake; {@code host} and {@code port} feed the {@link PeerExpectation}.
     *
     * @throws AttestationException naming the failed check
     */
    public VerifiedPeer verify(X509Certificate[] chain, String host, int port) throws AttestationException {
        if (chain == null || chain.length == 0) {
            throw new AttestationException(Refusal.NO_EVIDENCE, "peer presented no certificate");
        }
        X509Certificate leaf = chain[0];
        Instant now = clock.instant();
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new AttestationException(Refusal.EXPIRED, "peer certificate is not valid at " + now, e);
        }
        Evidence evidence = EvidenceExtension.fromCertificate(leaf);
        VerifiedPeer peer = verifier.verifyPeer(evidence, leaf.getPublicKey().getEncoded(), acceptedRoles, now);
        Optional<String> expected = expectation.expectedNodeId(host, port);
        if (expected.isPresent() && !expected.get().equals(peer.nodeId())) {
            throw new AttestationException(
                    Refusal.WRONG_NODE_ID,
                    "expected node " + expected.get() + " at " + host + ":" + port + " but found " + peer.nodeId());
        }
        if (!nodeIdFilter.test(peer.nodeId())) {
            throw new AttestationException(
                    Refusal.WRONG_NODE_ID, "node " + peer.nodeId() + " is not accepted on this link");
        }
        return peer;
    }

    /** Returns how many peers this trust manager refused for {@code refusal}. */
    public long refusalCount(Refusal refusal) {
        return refusals.get(refusal.ordinal());
    }

    /** Returns every non-zero refusal count, by reason. */
    public Map<Refusal, Long> refusalCounts() {
        Map<Refusal, Long> counts = new EnumMap<>(Refusal.class);
        for (Refusal refusal : Refusal.values()) {
            long count = refusals.get(refusal.ordinal());
            if (count > 0) {
                counts.put(refusal, count);
            }
        }
        return counts;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, engine == null ? null : engine.getHandshakeSession(), null, -1, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(
                chain,
                engine == null ? null : engine.getHandshakeSession(),
                engine == null ? null : engine.getPeerHost(),
                engine == null ? -1 : engine.getPeerPort(),
                "server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, handshakeSession(socket), null, -1, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        String host = socket == null || socket.getInetAddress() == null
                ? null
                : socket.getInetAddress().getHostAddress();
        check(chain, handshakeSession(socket), host, socket == null ? -1 : socket.getPort(), "server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, null, null, -1, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, null, null, -1, "server");
    }

    /** Returns no issuers: peers are trusted for their evidence, not for who signed them. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }

    private void check(X509Certificate[] chain, SSLSession handshake, String host, int port, String side)
            throws PeerRefusedException {
        try {
            // Where the stack reveals the protocol, insist on TLS 1.3; where it cannot (a plain
            // X509TrustManager call), the SSL context's protocol list is the guard.
            if (handshake != null
                    && handshake.getProtocol() != null
                    && !handshake.getProtocol().startsWith("NONE")
                    && !TLS_1_3.equals(handshake.getProtocol())) {
                throw new AttestationException(
                        Refusal.PROTOCOL, "peer negotiated " + handshake.getProtocol() + "; only TLSv1.3 is allowed");
            }
            VerifiedPeer peer = verify(chain, host, port);
            log.debug(
                    "{}accepted {} {} {} on {}",
                    insecureMarker(chain),
                    side,
                    peer.role(),
                    peer.nodeId(),
                    peer.claims().platform());
        } catch (AttestationException e) {
            refusals.incrementAndGet(e.refusal().ordinal());
            log.warn(
                    "{}refused TLS {}{}: {}",
                    insecureMarker(chain),
                    side,
                    host == null ? "" : " at " + host + ":" + port,
                    e.getMessage());
            throw new PeerRefusedException(e);
        }
    }

    /**
     * Returns {@code "INSECURE simulated peer: "} if the peer presents simulated evidence, else
     * nothing: every log line about simulated evidence must say INSECURE, whether it was accepted
     * or refused, so that an operator grepping a production log cannot miss one.
     */
    static String insecureMarker(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return "";
        }
        try {
            return EvidenceExtension.fromCertificate(chain[0]).platform() == TeePlatform.SIMULATED
                    ? "INSECURE simulated peer: "
                    : "";
        } catch (AttestationException | RuntimeException e) {
            return ""; // No readable evidence, so nothing simulated to warn about; logging never throws.
        }
    }

    private static SSLSession handshakeSession(Socket socket) {
        return socket instanceof SSLSocket sslSocket ? sslSocket.getHandshakeSession() : null;
    }

    /** A builder of {@link AttestedTrustManager}s. */
    public static final class Builder {
        private final AttestationVerifier verifier;
        private final Set<Role> acceptedRoles = EnumSet.noneOf(Role.class);
        private Clock clock = Clock.systemUTC();
        private PeerExpectation expectation = PeerExpectation.any();
        private Predicate<String> nodeIdFilter = nodeId -> true;

        private Builder(AttestationVerifier verifier) {
            this.verifier = Objects.requireNonNull(verifier, "verifier");
        }

        /** Adds roles a peer on this link may have; at least one is required. */
        public Builder acceptRoles(Role... roles) {
            acceptedRoles.addAll(Set.of(roles));
            return this;
        }

        /** Sets the clock for certificate validity and evidence age (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Sets the node id expected at each dialled address (default: any attested node). */
        public Builder expectation(PeerExpectation expectation) {
            this.expectation = Objects.requireNonNull(expectation, "expectation");
            return this;
        }

        /** Sets a filter every peer's node id must pass, on both sides (default: all pass). */
        public Builder nodeIdFilter(Predicate<String> filter) {
            this.nodeIdFilter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /** Returns the trust manager. */
        public AttestedTrustManager build() {
            if (acceptedRoles.isEmpty()) {
                throw new IllegalStateException("an attested link must accept at least one role");
            }
            return new AttestedTrustManager(this);
        }
    }
}
