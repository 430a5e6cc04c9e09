package io.github.datastore4j.engine;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.WrongTypeException;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Lincheck checks that the per-key operations are linearizable: every concurrent history it generates must match some
 * sequential order of the same calls. Two keys, so that operations on one key and on different keys are both covered.
 * Stress mode runs real threads against the real engine (model checking would also explore the JDK's concurrent
 * collections, which is slow and adds nothing the stress runs miss here).
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "delta", gen = IntGen.class, conf = "1:3")
public class DatastoreLincheckTest {
    private final Datastore store = Storage.open("memory:").datastore("lincheck");

    private static String key(int key) {
        return "k" + key;
    }

    @Operation
    public long increment(@Param(name = "key") int key, @Param(name = "delta") int delta) {
        try {
            return store.increment(key(key), delta);
        } catch (WrongTypeException e) {
            return -1; // the key holds an array pushed by push()
        }
    }

    @Operation
    public int push(@Param(name = "key") int key, @Param(name = "delta") int item) {
        try {
            return store.push(key(key), item);
        } catch (WrongTypeException e) {
            return -1; // the key holds a number
        }
    }

    @Operation
    public boolean setOnce(@Param(name = "key") int key, @Param(name = "delta") int value) {
        return store.setOnce(key(key), value);
    }

    @Operation
    public boolean delete(@Param(name = "key") int key) {
        return store.delete(key(key));
    }

    @Operation
    public String get(@Param(name = "key") int key) {
        return store.getDocument(key(key)).map(d -> d.rev() + ":" + d.value()).orElse("absent");
    }

    @Operation
    public long putAtRev(@Param(name = "key") int key, @Param(name = "delta") int rev) {
        try {
            return store.put(key(key), rev * 100, rev).rev();
        } catch (ConflictException e) {
            return -e.actualRev();
        }
    }

    @Test
    @DisplayName("per-key operations are linearizable")
    void linearizable() {
        new StressOptions()
                .iterations(40)
                .invocationsPerIteration(2_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .check(DatastoreLincheckTest.class);
    }
}
