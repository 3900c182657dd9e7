package dev.ratchet.deploy;

import dev.ratchet.chaos.ChaosCli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ratchet} command: Ratchet's operator and developer entry point.
 *
 * <p>Exit codes are part of the interface scripts rely on: 0 success, 1 a negative answer (such
 * as {@code INVALID} evidence, a missing key, a failed comparison), 2 a usage error, 3 (data
 * commands) an error from the cluster, {@code error: <CODE>: <detail>}. No command prints a stack
 * trace.
 */
@Command(
        name = "ratchet",
        mixinStandardHelpOptions = true,
        versionProvider = RatchetCli.Version.class,
        description = "Ratchet, a confidential, rollback-proof key-value store.",
        subcommands = {
            AttestCommand.class,
            SectorServerCommand.class,
            TabletStoreCommand.class,
            RaftCommand.class,
            CacheNodeCommand.class,
            UpCommand.class,
            PutCommand.class,
            GetCommand.class,
            CasCommand.class,
            DelCommand.class,
            StatusCommand.class,
            RebuildCommand.class,
            ChaosCli.class
        })
public final class RatchetCli implements Runnable {
    /** Exit code of a usage error (picocli's default, kept explicit because scripts depend on it). */
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        // The CLI prints its own answers on stdout; library logs go to stderr and only at WARN, so
        // INSECURE warnings about simulated evidence are still seen.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.exit(newCommandLine().execute(args));
    }

    /** Returns a configured command line, for main and for tests. */
    static CommandLine newCommandLine() {
        CommandLine commandLine = new CommandLine(new RatchetCli());
        commandLine.addSubcommand(new dev.ratchet.deploy.bench.KvBenchCommand()); // kept apart: trivial merges
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            line.getErr().println("error: " + firstLine(exception.getMessage()));
            Throwable root = exception;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root != exception) {
                line.getErr().println("cause: " + firstLine(root.getMessage()));
            }
            return 1;
        });
        return commandLine;
    }

    // Some library messages embed a whole status dump with a stack trace; an operator needs the gist.
    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Reports the build's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = RatchetCli.class.getPackage().getImplementationVersion();
            return new String[] {"ratchet " + (version == null ? "development build" : version)};
        }
    }
}
