package io.github.datastore4j.engine;

import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.spi.Record;

/**
 * A key's current document together with its JSON bytes, so that persisting never serializes twice. Immutable: the
 * document's tree and the bytes are never changed once built.
 */
record StoredValue(Document document, byte[] json) {

    Record toRecord() {
        return Record.of(document.key(), document.rev(), document.schemaVersion(), json);
    }
}
