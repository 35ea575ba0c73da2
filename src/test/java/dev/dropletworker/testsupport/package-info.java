/**
 * The test ground as the Quarkus tests see it: {@link dev.dropletworker.testsupport.WorkerTestGround}
 * starts a real Kafka broker, a real PostgreSQL and the DigitalOcean simulator (from the tools'
 * {@link dev.dropletworker.tools.ground.GroundServers}) once, and hands them to the application.
 *
 * <h2>Quarkus tests: put only {@code @QuarkusTest} on the class</h2>
 * {@link dev.dropletworker.testsupport.WorkerTestGround} carries
 * {@code @QuarkusTestResource(WorkerTestGround.class)}. Quarkus looks for that annotation on every
 * class of the test module, and one that is not restricted to its class ({@code restrictToAnnotatedClass}
 * defaults to false, i.e. scope {@code GLOBAL}) applies to every {@code @QuarkusTest} and
 * {@code @QuarkusIntegrationTest}. All of them then have the same resources, so Quarkus starts the
 * ground and the application once for the whole suite. Repeating the annotation on a test is
 * harmless (identical entries are merged) but adds nothing.
 * <p>
 * What restarts Quarkus, and with it the ground (new ports, empty database), and so is avoided:
 * {@code @TestProfile}; {@code restrictToAnnotatedClass = true}; {@code @WithTestResource} with its
 * default scope ({@code MATCHING_RESOURCES}, bound to the annotated classes; its 3.33 javadoc also
 * advises against the annotation for now; {@code scope = GLOBAL} would be equivalent to ours); and
 * meta-annotations carrying a test resource, which apply only to the classes that use them.
 * <p>
 * In a test, read the endpoints from config ({@code kafka.bootstrap.servers},
 * {@code digitalocean.api-url}, ...), or declare a field of type {@code KafkaBroker},
 * {@code PostgresServer} or {@code DigitalOceanSimulator}: the ground injects its running instance.
 *
 * <h2>Plain tests and separate processes</h2>
 * Tests without Quarkus start what they need themselves: {@code KafkaBroker.start()},
 * {@code PostgresServer.start()}, closing them afterwards (about 2–3 s and 1–2 s), and run the
 * packaged worker with {@code WorkerProcess}.
 */
package dev.dropletworker.testsupport;
