package dev.dropletworker.tools.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkOptionsTest {

    @Test
    void thePodsGetTheJvmOptionsOfTheImageAndNotItsProperties(@TempDir Path dir) throws Exception {
        Path dockerfile = dir.resolve("Dockerfile.jvm");
        Files.writeString(dockerfile, """
                FROM example
                # a comment: ENV JAVA_OPTS_APPEND="-XX:+Nothing"
                ENV JAVA_OPTS_APPEND="-Dquarkus.http.host=0.0.0.0  -XX:TrimNativeHeapInterval=5000 -XX:-UseSomething"
                ENV JAVA_APP_JAR="/deployments/quarkus-run.jar"
                """);

        assertEquals("-XX:TrimNativeHeapInterval=5000 -XX:-UseSomething", BenchmarkOptions.imageOptions(dockerfile));
    }

    @Test
    void theWorkersOwnImageIsRead() {
        String options = BenchmarkOptions.imageOptions(BenchmarkOptions.DOCKERFILE);

        assertTrue(options.contains("-XX:TrimNativeHeapInterval="), options);
        assertFalse(options.contains("-D"), options);
    }

    @Test
    void thePodsGetTheImagesCollectorOrElseTheStartScriptsWithTheScriptsSizing(@TempDir Path dir) throws Exception {
        Path own = dir.resolve("Dockerfile.own");
        Files.writeString(own, """
                FROM example
                ENV GC_CONTAINER_OPTIONS="-XX:+UseSerialGC"
                ENV JAVA_OPTS_APPEND="-XX:-UseSomething"
                """);
        Path none = dir.resolve("Dockerfile.none");
        Files.writeString(none, "FROM example\nENV JAVA_OPTS_APPEND=\"-XX:-UseSomething\"\n");

        assertEquals("-XX:+UseSerialGC " + BenchmarkOptions.RUN_JAVA_GC_SIZING, BenchmarkOptions.imageGc(own));
        assertEquals("-XX:+UseParallelGC " + BenchmarkOptions.RUN_JAVA_GC_SIZING, BenchmarkOptions.imageGc(none));
    }

    @Test
    void anImageWithoutAppendedOptionsIsAnError(@TempDir Path dir) throws Exception {
        Path dockerfile = dir.resolve("Dockerfile.jvm");
        Files.writeString(dockerfile, "FROM example\n");

        assertThrows(IllegalStateException.class, () -> BenchmarkOptions.imageOptions(dockerfile));
        assertThrows(RuntimeException.class, () -> BenchmarkOptions.imageOptions(dir.resolve("missing")));
    }
}
