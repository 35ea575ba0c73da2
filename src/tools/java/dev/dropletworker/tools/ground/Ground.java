package dev.dropletworker.tools.ground;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.testcontainers.DockerClientFactory;

/**
 * Which Kafka and PostgreSQL the tests, the local run and the benchmarks run on, chosen with
 * {@code -Dtest.ground}: {@code embedded} (the default: a broker in this JVM and an embedded
 * PostgreSQL, from Maven artifacts, no Docker) or {@code containers} (Testcontainers' Kafka and
 * PostgreSQL, for machines with Docker). {@code TEST_DB_URL}, when set, still names the PostgreSQL
 * to use either way.
 */
public enum Ground {
    EMBEDDED,
    CONTAINERS;

    public static final String PROPERTY = "test.ground";
    /** The same Kafka as docker-compose.yml, and the PostgreSQL major version the embedded server runs. */
    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String POSTGRES_IMAGE = "postgres:15";

    /** The ground this JVM was asked for. */
    public static Ground selected() {
        return select(System.getProperty(PROPERTY), () -> DockerClientFactory.instance().isDockerAvailable());
    }

    /**
     * @param value the property's value; unset means embedded
     * @param dockerAnswers asked only when containers are chosen (Testcontainers says "not
     *     available" within a second when there is no engine)
     * @throws IllegalStateException when containers are chosen and no Docker engine answers: an
     *     explicit choice that cannot be honoured fails rather than running something else
     */
    static Ground select(String value, BooleanSupplier dockerAnswers) {
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("embedded")) {
            return EMBEDDED;
        }
        if (!value.trim().equalsIgnoreCase("containers")) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + " is not a test ground; use "
                    + EMBEDDED.name().toLowerCase(Locale.ROOT) + " (the default) or "
                    + CONTAINERS.name().toLowerCase(Locale.ROOT));
        }
        if (!dockerAnswers.getAsBoolean()) {
            throw new IllegalStateException("-D" + PROPERTY + "=containers needs a Docker engine, and none answers "
                    + "here; leave " + PROPERTY + " unset to run on the embedded Kafka and PostgreSQL");
        }
        return CONTAINERS;
    }
}
