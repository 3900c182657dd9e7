package dev.ratchet.deploy;

import java.nio.file.Path;

/**
 * Where development state lives on this machine: {@code $RATCHET_HOME}, or {@code ~/.ratchet}.
 *
 * <p>Only simulated, INSECURE material is kept there (the local simulated CA). Real nodes keep no
 * files: their keys live in TEE memory only.
 */
final class DevelopmentDefaults {
    private DevelopmentDefaults() {}

    static Path home() {
        String configured = System.getenv("RATCHET_HOME");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".ratchet");
    }

    static Path simulatedCaDirectory() {
        return home().resolve("simulated-ca");
    }
}
