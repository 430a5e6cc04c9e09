/**
 * The {@code sqlite:} backend: one SQLite file in WAL mode that every process of one machine may open at once, a
 * {@link io.github.datastore4j.api.spi.SharedBackend}. Nothing is exported; {@code Storage.open("sqlite:./app.db")}
 * finds it as a service.
 *
 * <p><b>Durability.</b> In {@code sync} and {@code interval} durability (and by default) every connection runs with
 * {@code synchronous=FULL}: a commit returns after the WAL was forced to disk, so it survives a power loss. {@code
 * none} runs with {@code synchronous=NORMAL}: in WAL mode the WAL is then forced only at checkpoints, so a power loss
 * (not a process crash) may lose the last commits — never corrupt the file. It is not the default because a shared
 * store's write is acknowledged to other processes through the feed at once; losing it afterwards would undo what
 * they already acted on.
 */
package io.github.datastore4j.backend.sqlite;
