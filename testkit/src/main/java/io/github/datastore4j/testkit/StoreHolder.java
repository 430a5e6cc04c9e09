package io.github.datastore4j.testkit;

import io.github.datastore4j.api.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM that holds a store open until told to let go, for lock tests: {@link #main} opens the storage, prints
 * {@code held}, waits for its standard input to close, then closes the storage and exits.
 *
 * <pre>{@code
 * try (StoreHolder holder = StoreHolder.start(uri)) {
 *     // another process holds the store here
 * } // closed and exited
 * }</pre>
 */
public final class StoreHolder implements AutoCloseable {
    private final Process process;

    private StoreHolder(Process process) {
        this.process = process;
    }

    public static void main(String[] args) throws IOException {
        try (Storage storage = Storage.open(args[0])) {
            storage.datastore("ns");
            System.out.println("held");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our input
            }
        }
    }

    /** Starts a holder of {@code uri} and returns once it holds the store. */
    public static StoreHolder start(String uri) throws IOException {
        Process process =
                ChildJvm.of(StoreHolder.class, uri).redirectErrorStream(true).start();
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder output = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.equals("held")) {
                return new StoreHolder(process);
            }
            output.append(line).append('\n');
        }
        throw new IllegalStateException("the holder of " + uri + " exited without holding it:\n" + output);
    }

    /** Lets go: the holder closes the storage and exits. */
    @Override
    public void close() throws IOException, InterruptedException {
        OutputStream input = process.getOutputStream();
        input.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the holder did not exit within a minute");
        }
    }
}
