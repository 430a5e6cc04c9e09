package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

/** One change in a batch passed to {@link Backend#write}: a record to store, or a key to remove. */
public sealed interface Mutation permits Mutation.Put, Mutation.Delete {

    /** The namespace the change is in. */
    String namespace();

    /** The key the change is for. */
    String key();

    static Mutation put(String namespace, Record record) {
        return new Put(namespace, record);
    }

    static Mutation delete(String namespace, String key) {
        return new Delete(namespace, key);
    }

    /** Store {@code record} under its key, replacing what was there. */
    record Put(String namespace, Record record) implements Mutation {
        public Put {
            requireNonNull(namespace, "namespace");
            requireNonNull(record, "record");
        }

        @Override
        public String key() {
            return record.key();
        }
    }

    /** Remove {@code key}; removing a key that is not there is not an error. */
    record Delete(String namespace, String key) implements Mutation {
        public Delete {
            requireNonNull(namespace, "namespace");
            requireNonNull(key, "key");
        }
    }
}
