package io.github.datastore4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot web application with only the starter (and actuator) and {@code datastore4j.uri=json:…}: it
 * starts, injects a {@code Datastore}, and shows the meters at {@code /actuator/metrics} and the health at {@code
 * /actuator/health}, over HTTP.
 */
class StarterApplicationTest {

    @SpringBootApplication
    static class App {}

    /** A GET's status and body (java.base's client: the test is compiled into the starter's module). */
    private record Response(int statusCode, String body) {}

    private static Response get(int port, String path) throws Exception {
        HttpURLConnection connection = (HttpURLConnection)
                URI.create("http://localhost:" + port + path).toURL().openConnection();
        try {
            int status = connection.getResponseCode();
            try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                return new Response(
                        status, body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            connection.disconnect();
        }
    }

    @Test
    @DisplayName("an application on json: starts, injects a Datastore, and serves its meters and health")
    void applicationServesMetersAndHealth(@TempDir Path data) throws Exception {
        SpringApplication application = new SpringApplication(App.class);
        try (ConfigurableApplicationContext context = application.run(
                "--server.port=0",
                "--datastore4j.uri=json:" + data,
                "--datastore4j.namespaces=jobs",
                "--management.endpoints.web.exposure.include=health,metrics",
                "--management.endpoint.health.show-details=always",
                "--spring.main.banner-mode=off")) {
            Datastore jobs = context.getBean("jobs", Datastore.class);
            jobs.increment("done", 1);
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));

            Response health = get(port, "/actuator/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"datastore4j\"").contains("\"backend\":\"json\"");
            assertThat(health.body()).contains("\"status\":\"UP\"");

            Response names = get(port, "/actuator/metrics");
            assertThat(names.body()).contains("datastore4j.operations", "datastore4j.commits", "datastore4j.memory");
            Response increments =
                    get(port, "/actuator/metrics/datastore4j.operations?tag=operation:increment&tag=outcome:success");
            assertThat(increments.statusCode()).isEqualTo(200);
            assertThat(increments.body()).contains("\"statistic\":\"COUNT\",\"value\":1.0");
        }
    }
}
