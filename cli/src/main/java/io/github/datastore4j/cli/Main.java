package io.github.datastore4j.cli;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.spi.Locations;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code datastore4j}: the command line over any storage URI the library opens.
 *
 * <pre>{@code
 * java -jar datastore4j-cli.jar -u mapdb:./app.mapdb ls users --prefix a
 * java -jar datastore4j-cli.jar -u mapdb:./app.mapdb export users > users.ndjson
 * }</pre>
 *
 * <p>Exit codes: 0 done; 1 the command failed (the message, on one line, says why); 2 the command line was wrong;
 * 3 {@code verify} found damage. A stack trace is printed only with {@code --verbose}.
 */
@Command(
        name = "datastore4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Reads, writes, watches, exports, imports, copies and verifies datastore4j storage.",
        subcommands = {
            NamespacesCommand.class,
            LsCommand.class,
            GetCommand.class,
            PutCommand.class,
            DeleteCommand.class,
            WatchCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            CopyCommand.class,
            MigrateCommand.class,
            VerifyCommand.class,
            StatsCommand.class
        })
public final class Main {
    /** A command failed because of what it found: exit code 1. */
    static final int FAILED = 1;
    /** {@code verify} found damaged records. */
    static final int DAMAGED = 3;

    @Option(
            names = {"-u", "--uri"},
            defaultValue = "${env:DATASTORE4J_URI}",
            description = "The storage URI: memory:, json:./dir, h2:./file, mapdb:./file, postgres:jdbc:… "
                    + "(default: $DATASTORE4J_URI)",
            scope = CommandLine.ScopeType.INHERIT)
    String uri;

    @Option(
            names = {"-v", "--verbose"},
            description = "Log at DEBUG and print stack traces of failures.",
            scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @Option(
            names = "--progress",
            defaultValue = "AUTO",
            description = "Progress of long commands on stderr: ${COMPLETION-CANDIDATES} (auto: a bar on a terminal, "
                    + "plain lines otherwise).",
            scope = CommandLine.ScopeType.INHERIT)
    Progress.Mode progress;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code. */
    static int run(String... args) {
        if (Arrays.asList(args).contains("-v") || Arrays.asList(args).contains("--verbose")) {
            // before the first logger exists: slf4j-simple reads its level once
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((failure, command, parsed) -> {
            Main main = command.getCommandSpec().root().commandLine().getCommand();
            PrintWriter err = command.getErr();
            err.println(command.getCommandName() + ": " + describe(failure));
            if (main.verbose) {
                failure.printStackTrace(err);
            }
            err.flush();
            return failure instanceof DamageFound ? DAMAGED : FAILED;
        });
        return commandLine.execute(args);
    }

    /** The storage URI, required by every command that opens one store. */
    String requireUri() {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException(
                    "no storage URI: give --uri (e.g. -u json:./data) or set DATASTORE4J_URI");
        }
        return uri;
    }

    /** The URI as messages show it: credentials replaced. */
    String shownUri() {
        return Locations.redact(uri);
    }

    /** One line: the message and, for a library failure, its stable code. */
    static String describe(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            message = failure.getClass().getSimpleName();
        }
        if (failure instanceof DatastoreException datastore) {
            message = message + " [" + datastore.code() + "]";
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }

    /** Thrown by {@code verify} when it found damage, after it printed every damaged record. */
    static final class DamageFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DamageFound(String message) {
            super(message);
        }
    }

    /** The version of the jar, from its manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"datastore4j " + (version == null ? "(development build)" : version)};
        }
    }
}
