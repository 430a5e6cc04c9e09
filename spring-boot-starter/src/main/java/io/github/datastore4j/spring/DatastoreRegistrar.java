package io.github.datastore4j.spring;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * One {@link Datastore} bean per name in {@code datastore4j.namespaces}, named after its namespace, so that {@code
 * @Qualifier("jobs") Datastore jobs} injects the namespace {@code jobs}. Each is opened from the {@link Storage} bean
 * when first injected (a namespace's load, migration included, happens then). A bean of the same name elsewhere in
 * the application fails the start, as any duplicate bean name does.
 *
 * <p><b>Concurrency contract.</b> Used once by Spring while the context starts.
 */
public final class DatastoreRegistrar implements BeanDefinitionRegistryPostProcessor {
    private final Environment environment;

    DatastoreRegistrar(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        List<String> namespaces = Binder.get(environment)
                .bind("datastore4j.namespaces", Bindable.listOf(String.class))
                .orElse(List.of());
        BeanFactory factory = (BeanFactory) registry;
        for (String namespace : namespaces) {
            RootBeanDefinition definition = new RootBeanDefinition(
                    Datastore.class, () -> factory.getBean(Storage.class).datastore(namespace));
            definition.setLazyInit(true);
            definition.setDestroyMethodName(""); // the storage's close() closes its namespaces
            registry.registerBeanDefinition(namespace, definition);
        }
    }
}
