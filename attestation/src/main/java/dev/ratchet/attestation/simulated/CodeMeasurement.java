package dev.ratchet.attestation.simulated;

import dev.ratchet.attestation.Role;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The simulated platform's launch measurement: SHA-384 of the running code, then of that digest
 * and the role.
 *
 * <p>A real TEE measures the image it boots. The simulation measures what this JVM runs: every
 * classpath entry in order (a jar's bytes, or a class directory's files by relative path and
 * content). Changing any code therefore changes the measurement, so allow-list tests mean
 * something, and each role gets its own measurement, as a per-role image would.
 */
public final class CodeMeasurement {
    private final byte[] codeDigest;

    private CodeMeasurement(byte[] codeDigest) {
        this.codeDigest = codeDigest;
    }

    /** Measures the code on this JVM's class path. */
    public static CodeMeasurement ofRunningCode() {
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry));
            }
        }
        return ofPaths(entries);
    }

    /** Measures the given jars and class directories, in order. */
    public static CodeMeasurement ofPaths(List<Path> entries) {
        MessageDigest sha384 = sha384();
        for (Path entry : entries) {
            try {
                if (Files.isDirectory(entry)) {
                    digestDirectory(sha384, entry);
                } else if (Files.isRegularFile(entry)) {
                    digestFile(sha384, entry);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot measure " + entry, e);
            }
        }
        return new CodeMeasurement(sha384.digest());
    }

    /** Creates a measurement from a known code digest (48 bytes), for tests and tools. */
    public static CodeMeasurement ofCodeDigest(byte[] codeDigest) {
        if (codeDigest.length != SimulatedReport.MEASUREMENT_BYTES) {
            throw new IllegalArgumentException("code digest must be 48 bytes: " + codeDigest.length);
        }
        return new CodeMeasurement(codeDigest.clone());
    }

    /** Returns the 48-byte measurement of this code running as {@code role}. */
    public byte[] forRole(Role role) {
        MessageDigest sha384 = sha384();
        sha384.update(codeDigest);
        sha384.update((byte) 0);
        sha384.update(role.wireName().getBytes(StandardCharsets.US_ASCII));
        return sha384.digest();
    }

    /** Returns {@link #forRole(Role)} as lowercase hex. */
    public String hexForRole(Role role) {
        return HexFormat.of().formatHex(forRole(role));
    }

    private static void digestDirectory(MessageDigest sha384, Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            sha384.update(root.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
            sha384.update((byte) 0);
            digestFile(sha384, file);
        }
    }

    private static void digestFile(MessageDigest sha384, Path file) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                sha384.update(buffer, 0, read);
            }
        }
    }

    private static MessageDigest sha384() {
        try {
            return MessageDigest.getInstance("SHA-384");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-384", e);
        }
    }
}
