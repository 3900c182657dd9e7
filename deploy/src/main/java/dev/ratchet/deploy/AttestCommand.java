package dev.ratchet.deploy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ratchet attest}: make and check TEE evidence. */
@Command(
        name = "attest",
        mixinStandardHelpOptions = true,
        description = "Make and check TEE attestation evidence.",
        subcommands = {AttestVerifyCommand.class, AttestIdentityCommand.class})
final class AttestCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: verify or identity");
    }
}
