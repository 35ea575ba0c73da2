/**
 * What the worker runs on outside production, started from Maven artifacts with no Docker: a real
 * Kafka broker in this JVM ({@link dev.dropletworker.tools.ground.KafkaBroker}), a real PostgreSQL
 * ({@link dev.dropletworker.tools.ground.PostgresServer}, embedded or {@code TEST_DB_URL}), both with
 * the DigitalOcean simulator ({@link dev.dropletworker.tools.ground.GroundServers}); the packaged
 * worker as a pod ({@link dev.dropletworker.tools.ground.WorkerProcess}); and a producer's view of the
 * topics ({@link dev.dropletworker.tools.ground.CommandBus}). The tests, the local run and the
 * benchmarks use them; none of it reaches the worker's jar. {@code -Dtest.ground=containers}
 * ({@link dev.dropletworker.tools.ground.Ground}) puts Kafka and PostgreSQL in Testcontainers instead.
 */
package dev.dropletworker.tools.ground;
