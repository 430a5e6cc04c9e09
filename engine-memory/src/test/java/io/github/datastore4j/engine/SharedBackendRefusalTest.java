package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.StorageOptions;
import org.junit.jupiter.api.Test;

/** Until the engine has a shared mode, a backend that says it is shared would be written blindly: it is refused. */
class SharedBackendRefusalTest {
    @Test
    void theEngineRefusesASharedBackendUntilItHasASharedMode() {
        assertThatThrownBy(() -> new EngineStorage("test:", new FeedFollowerTest.Feed(), StorageOptions.defaults()))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("shared between processes")
                .hasMessageContaining("no shared mode yet");
    }
}
