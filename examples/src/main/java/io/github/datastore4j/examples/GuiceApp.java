package io.github.datastore4j.examples;

import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Injector;
import com.google.inject.name.Named;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.guice.DatastoreModule;
import java.time.Duration;

/**
 * An application wired with Guice: {@link DatastoreModule} provides the storage and the {@code jobs} datastore, which a
 * producer and a consumer service share.
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.GuiceApp [storage-uri]} (default {@code memory:}).
 */
public final class GuiceApp {
    private GuiceApp() {}

    /** Queues jobs. */
    static final class Producer {
        private final Datastore jobs;

        @Inject
        Producer(@Named("jobs") Datastore jobs) {
            this.jobs = jobs;
        }

        void submit(String job) {
            int queued = jobs.push("queue", job);
            System.out.println("producer: queued " + job + " (" + queued + " in queue)");
        }
    }

    /** Waits for jobs. */
    static final class Consumer {
        private final Datastore jobs;

        @Inject
        Consumer(@Named("jobs") Datastore jobs) {
            this.jobs = jobs;
        }

        int awaitJobs(int count) {
            return jobs.awaitSize("queue", count, Duration.ofSeconds(10))
                    .value()
                    .size();
        }
    }

    public static void main(String[] args) {
        String uri = args.length > 0 ? args[0] : "memory:";
        Injector injector = Guice.createInjector(DatastoreModule.forUri(uri).withNamespaces("jobs"));
        try {
            Producer producer = injector.getInstance(Producer.class);
            Consumer consumer = injector.getInstance(Consumer.class);
            producer.submit("resize-images");
            producer.submit("send-mail");
            System.out.println("consumer: sees " + consumer.awaitJobs(2) + " jobs through the same injected datastore");
        } finally {
            DatastoreModule.shutdown(injector);
        }
    }
}
