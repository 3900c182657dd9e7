package dev.ratchet.tablet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.ratchet.tablet.proto.Bootstrap;
import dev.ratchet.tablet.proto.Command;
import dev.ratchet.tablet.proto.Policy;
import dev.ratchet.tablet.proto.RegisterCacheNode;
import dev.ratchet.tablet.proto.ReserveStripes;
import dev.ratchet.tablet.proto.Result;
import dev.ratchet.tablet.proto.Role;
import dev.ratchet.tablet.proto.RoleMeasurements;
import dev.ratchet.tablet.proto.SlotAssignment;
import dev.ratchet.tablet.proto.TabletBlob;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Test fixtures: node ids, the authority key pair, well-formed commands and blobs. */
final class Fixtures {
    static final int K = 4;
    static final int M = 2;
    static final String CACHE_MEASUREMENT = "aa".repeat(48);
    static final KeyPair AUTHORITY = generateKeyPair();

    private int nextRequest;

    /** Returns a node id derived from a name (hex SHA-256). */
    static String nodeId(String name) {
        return HexFormat.of().formatHex(InputRules.sha256(name.getBytes(StandardCharsets.UTF_8)));
    }

    static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static ByteString key(int seed) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) (seed | 1));
        bytes[0] = (byte) seed;
        return ByteString.copyFrom(bytes);
    }

    static Policy cachePolicy(String... measurements) {
        return Policy.newBuilder()
                .addRoles(RoleMeasurements.newBuilder()
                        .setRole(Role.ROLE_CACHE)
                        .addAllMeasurementsHex(List.of(measurements)))
                .build();
    }

    static Bootstrap.Builder bootstrap(int tablets, long stripeCount) {
        Bootstrap.Builder builder = Bootstrap.newBuilder()
                .setInitialTabletCount(tablets)
                .setDataShards(K)
                .setParityShards(M)
                .setStripeCount(stripeCount)
                .setInitialDataKey(key(1))
                .setAuthorityPrivateKeyPkcs8(
                        ByteString.copyFrom(AUTHORITY.getPrivate().getEncoded()))
                .setAuthorityPublicKeySpki(
                        ByteString.copyFrom(AUTHORITY.getPublic().getEncoded()))
                .setPolicy(cachePolicy(CACHE_MEASUREMENT));
        for (int i = 0; i < K + M; i++) {
            builder.addSlots(SlotAssignment.newBuilder().setNodeId(sectorId(i)).setAddress("sector-" + i + ":7000"));
        }
        return builder;
    }

    static String sectorId(int i) {
        return nodeId("sector-" + i);
    }

    /**
     * Returns a well-formed non-empty blob over {@code stripes} under key {@code epoch}, written to
     * every original sector server.
     */
    static TabletBlob blob(List<Long> stripes, long epoch) {
        TabletBlob.Builder blob = TabletBlob.newBuilder()
                .addAllStripes(stripes)
                .setLengthBytes(stripes.size() * (long) K * Limits.SECTOR_BYTES - 7)
                .setNonce(ByteString.copyFrom(new byte[Limits.NONCE_BYTES]))
                .setMac(ByteString.copyFrom(new byte[Limits.DIGEST_BYTES]))
                .setKeyEpoch(epoch)
                .setKeyCount(stripes.size() * 10L);
        for (int i = 0; i < stripes.size() * (K + M); i++) {
            blob.addShardDigests(ByteString.copyFrom(new byte[Limits.DIGEST_BYTES]));
        }
        for (int i = 0; i < K + M; i++) {
            blob.addWrittenSlotNodeIds(sectorId(i));
        }
        return blob.build();
    }

    /** Returns a command with the next request id. */
    Command.Builder command() {
        return Command.newBuilder().setRequestId(ByteString.copyFromUtf8("request-" + nextRequest++));
    }

    /** Returns a bootstrapped machine with {@code tablets} tablets and cache node "cache-a" registered. */
    TabletStateMachine bootstrapped(int tablets, long stripeCount) {
        TabletStateMachine machine = TabletStateMachine.create();
        Result result = machine.apply(
                command().setBootstrap(bootstrap(tablets, stripeCount)).build());
        assertEquals("OK", result.getBootstrap().getStatus().name(), result.toString());
        register(machine, nodeId("cache-a"));
        return machine;
    }

    void register(TabletStateMachine machine, String node) {
        Result result = machine.apply(command()
                .setRegisterCacheNode(
                        RegisterCacheNode.newBuilder().setNodeId(node).setMeasurementHex(CACHE_MEASUREMENT))
                .build());
        assertEquals("OK", result.getRegisterCacheNode().getStatus().name(), result.toString());
    }

    List<Long> reserve(TabletStateMachine machine, String node, int count) {
        Result result = machine.apply(command()
                .setReserveStripes(
                        ReserveStripes.newBuilder().setCacheNodeId(node).setStripeCount(count))
                .build());
        assertEquals("OK", result.getReserveStripes().getStatus().name(), result.toString());
        return result.getReserveStripes().getStripesList();
    }
}
