package io.github.datastore4j.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.micrometer.DatastoreMetrics;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class DatastoreAutoConfigurationTest {
    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DatastoreAutoConfiguration.class));

    @Test
    @DisplayName("without datastore4j.uri nothing is configured")
    void nothingWithoutAUri() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(Storage.class);
            assertThat(context).doesNotHaveBean(Datastore.class);
        });
    }

    @Test
    @DisplayName("datastore4j.uri opens a Storage, namespaces are Datastore beans by name, and the context closes it")
    void storageAndNamespaces(@TempDir Path directory) {
        Storage[] opened = new Storage[1];
        runner.withPropertyValues(
                        "datastore4j.uri=json:" + directory,
                        "datastore4j.namespaces=jobs,users",
                        "datastore4j.settings.durability=sync")
                .run(context -> {
                    Storage storage = context.getBean(Storage.class);
                    opened[0] = storage;
                    assertThat(storage.durability()).isEqualTo(Durability.SYNC);
                    Datastore jobs = context.getBean("jobs", Datastore.class);
                    assertThat(jobs.namespace()).isEqualTo("jobs");
                    assertThat(context.getBean("users", Datastore.class).namespace())
                            .isEqualTo("users");
                    jobs.set("first", 1);
                    assertThat(storage.datastore("jobs").get("first", Integer.class))
                            .contains(1);
                });
        assertThatThrownBy(() -> opened[0].datastore("jobs"))
                .as("closed with the context")
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
        try (Storage again = Storage.open("json:" + directory)) {
            assertThat(again.datastore("jobs").get("first", Integer.class))
                    .as("written durably")
                    .contains(1);
        }
    }

    @Test
    @DisplayName("a URI no backend opens fails the start naming the scheme")
    void badUriFailsTheStart() {
        runner.withPropertyValues("datastore4j.uri=nosuch:x").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("nosuch");
        });
    }

    @Test
    @DisplayName("an application's own Storage bean is kept, and the namespaces come from it")
    void ownStorageIsKept() {
        runner.withUserConfiguration(OwnStorage.class)
                .withPropertyValues("datastore4j.uri=json:./never", "datastore4j.namespaces=jobs")
                .run(context -> {
                    assertThat(context).hasSingleBean(Storage.class);
                    assertThat(context.getBean(Storage.class).durability()).isEqualTo(Durability.NONE);
                    context.getBean("jobs", Datastore.class).set("k", 1);
                    assertThat(context.getBean(Storage.class).datastore("jobs").get("k", Integer.class))
                            .contains(1);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStorage {
        @Bean(destroyMethod = "close")
        Storage storage() {
            return Storage.open("memory:");
        }
    }

    @Test
    @DisplayName("the meters' binder is a bean when datastore4j-micrometer is there, and only then")
    void metricsWhenPresent() {
        runner.withPropertyValues("datastore4j.uri=memory:")
                .run(context -> assertThat(context).hasSingleBean(DatastoreMetrics.class));
        runner.withPropertyValues("datastore4j.uri=memory:")
                .withClassLoader(new FilteredClassLoader(DatastoreMetrics.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean("datastore4jMetrics");
                });
    }

    @Test
    @DisplayName("the health indicator is UP with the backend's details, and DOWN once the storage is closed")
    void health() {
        runner.withPropertyValues("datastore4j.uri=memory:", "datastore4j.namespaces=jobs")
                .run(context -> {
                    context.getBean("jobs", Datastore.class).set("k", 1);
                    HealthIndicator indicator = context.getBean("datastore4jHealthIndicator", HealthIndicator.class);
                    Health up = indicator.health();
                    assertThat(up.getStatus()).isEqualTo(Status.UP);
                    assertThat(up.getDetails())
                            .containsEntry("backend", "memory")
                            .containsEntry("namespaces", 1)
                            .containsEntry("quarantined", 0L);
                    context.getBean(Storage.class).close();
                    Health down = indicator.health();
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails().toString()).contains("closed");
                });
    }

    @Test
    @DisplayName("configuration metadata names each datastore4j.* property, for IDE completion")
    void configurationMetadata() throws Exception {
        try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(metadata).isNotNull();
            String json = new String(metadata.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json)
                    .contains("\"datastore4j.uri\"", "\"datastore4j.namespaces\"", "\"datastore4j.settings\"")
                    .doesNotContain("{@code");
        }
    }
}
