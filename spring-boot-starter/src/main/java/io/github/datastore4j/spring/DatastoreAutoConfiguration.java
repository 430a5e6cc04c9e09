package io.github.datastore4j.spring;

import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Locations;
import io.github.datastore4j.micrometer.DatastoreMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of datastore4j, active once {@code datastore4j.uri} is set: a {@link Storage} bean (closed with
 * the context), a {@code Datastore} bean per name in {@code datastore4j.namespaces} ({@link DatastoreRegistrar}), the
 * Micrometer meters when {@code datastore4j-micrometer} is on the class path (Spring Boot binds every {@link
 * MeterBinder} bean to its registries), and a health indicator, {@code datastore4j}, when Spring Boot's health
 * module is.
 *
 * <p>An application that defines its own {@code Storage} bean keeps it; the rest is configured around it.
 */
@AutoConfiguration
@ConditionalOnClass(Storage.class)
@ConditionalOnProperty(prefix = "datastore4j", name = "uri")
@EnableConfigurationProperties(DatastoreProperties.class)
public class DatastoreAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(DatastoreAutoConfiguration.class);

    /** Opens {@code datastore4j.uri} with {@code datastore4j.settings}; the context closes it. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Storage datastore4jStorage(DatastoreProperties properties) {
        StorageOptions.Builder options = StorageOptions.builder();
        properties.getSettings().forEach(options::set);
        Storage storage = Storage.open(properties.getUri(), options.build());
        LOG.info(
                "datastore4j storage {} open, durability {}",
                Locations.redact(properties.getUri()),
                storage.durability());
        return storage;
    }

    /** Registers the {@code Datastore} beans of {@code datastore4j.namespaces}. */
    @Bean
    public static DatastoreRegistrar datastore4jNamespaces(Environment environment) {
        return new DatastoreRegistrar(environment);
    }

    /** The meters, when Micrometer and {@code datastore4j-micrometer} are there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterBinder.class, DatastoreMetrics.class})
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean
        DatastoreMetrics datastore4jMetrics(Storage storage) {
            return new DatastoreMetrics(storage);
        }
    }

    /** The health indicator, when Spring Boot's health module is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "datastore4jHealthIndicator")
        HealthIndicator datastore4jHealthIndicator(Storage storage) {
            return new DatastoreHealthIndicator(storage);
        }
    }
}
