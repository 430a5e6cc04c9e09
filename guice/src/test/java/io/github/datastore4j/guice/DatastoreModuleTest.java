package io.github.datastore4j.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Injector;
import com.google.inject.name.Named;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.InvalidKeyException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DatastoreModuleTest {
    /** An application class wired by Guice. */
    static final class JobService {
        final Datastore jobs;
        final Datastore users;
        final Storage storage;

        @Inject
        JobService(@Named("jobs") Datastore jobs, @Named("users") Datastore users, Storage storage) {
            this.jobs = jobs;
            this.users = users;
            this.storage = storage;
        }
    }

    @Test
    @DisplayName("a real injector gives one Storage and the Datastore of each named namespace")
    void injects() {
        Injector injector =
                Guice.createInjector(DatastoreModule.forUri("memory:").withNamespaces("jobs", "users"));
        JobService service = injector.getInstance(JobService.class);
        JobService again = injector.getInstance(JobService.class);
        assertThat(again.storage).isSameAs(service.storage);
        assertThat(service.jobs).isSameAs(service.storage.datastore("jobs"));
        assertThat(service.jobs.namespace()).isEqualTo("jobs");
        assertThat(service.users.namespace()).isEqualTo("users");
        service.jobs.increment("done", 1);
        assertThat(again.jobs.get("done", Long.class)).contains(1L);
        DatastoreModule.shutdown(injector);
    }

    @Test
    @DisplayName("shutdown closes the storage, is idempotent, and later injections fail clearly")
    void shutdownCloses() {
        Injector injector =
                Guice.createInjector(DatastoreModule.forUri("memory:").withNamespaces("jobs"));
        Storage storage = injector.getInstance(Storage.class);
        DatastoreModule.shutdown(injector);
        DatastoreModule.shutdown(injector);
        assertThatThrownBy(() -> storage.datastore("jobs"))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
        assertThatThrownBy(() -> injector.getInstance(Storage.class)).hasMessageContaining("shut down");
    }

    @Test
    @DisplayName("options in code reach the storage; a storage never injected is never opened")
    void optionsAndLaziness() {
        Injector injector = Guice.createInjector(DatastoreModule.create(
                "memory:", StorageOptions.builder().durability(Durability.SYNC).build()));
        DatastoreModule.shutdown(injector); // nothing was opened
        Injector other = Guice.createInjector(DatastoreModule.create(
                "memory:", StorageOptions.builder().durability(Durability.SYNC).build()));
        assertThat(other.getInstance(Storage.class).durability()).isEqualTo(Durability.SYNC);
        DatastoreModule.shutdown(other);
    }

    @Test
    @DisplayName("a bad namespace name fails when the module is built")
    void badNamespace() {
        assertThatThrownBy(() -> DatastoreModule.forUri("memory:").withNamespaces("../jobs"))
                .isInstanceOf(InvalidKeyException.class);
    }
}
