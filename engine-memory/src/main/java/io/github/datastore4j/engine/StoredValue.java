package io.github.datastore4j.engine;

import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.spi.Record;

/**
 * A key's current document together with the JSON bytes of its value and of its metadata (empty when it has none),
 * so that persisting never serializes twice. Immutable: the document's trees and the bytes are never changed once
 * built.
 */
record StoredValue(Document document, byte[] json, byte[] metadataJson) {
    static final byte[] NO_METADATA = new byte[0];

    /** A document without metadata. */
    StoredValue(Document document, byte[] json) {
        this(document, json, NO_METADATA);
    }

    /** The record of this value in {@code namespace}, checksummed in the current format. */
    Record toRecord(String namespace) {
        return Record.of(namespace, document.key(), document.rev(), document.schemaVersion(), json, metadataJson);
    }
}
