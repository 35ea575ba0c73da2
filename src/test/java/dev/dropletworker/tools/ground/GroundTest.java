package dev.dropletworker.tools.ground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** How -Dtest.ground picks the Kafka and PostgreSQL the suite runs on (not the containers themselves). */
class GroundTest {

    private static final BooleanSupplier NO_DOCKER = () -> false;
    private static final BooleanSupplier DOCKER = () -> true;

    @Test
    void withoutTheSettingTheGroundIsEmbeddedAndDockerIsNeverAsked() {
        BooleanSupplier mustNotBeAsked = () -> {
            throw new AssertionError("the embedded ground does not look for Docker");
        };
        assertEquals(Ground.EMBEDDED, Ground.select(null, mustNotBeAsked));
        assertEquals(Ground.EMBEDDED, Ground.select("", mustNotBeAsked));
        assertEquals(Ground.EMBEDDED, Ground.select("embedded", mustNotBeAsked));
        assertEquals(Ground.EMBEDDED, Ground.select(" Embedded ", mustNotBeAsked));
    }

    @Test
    void containersAreChosenOnlyWhereDockerAnswers() {
        assertEquals(Ground.CONTAINERS, Ground.select("containers", DOCKER));
        assertEquals(Ground.CONTAINERS, Ground.select("CONTAINERS", DOCKER));

        IllegalStateException noDocker = assertThrows(IllegalStateException.class,
                () -> Ground.select("containers", NO_DOCKER));
        assertTrue(noDocker.getMessage().contains("needs a Docker engine"), noDocker.getMessage());
        assertTrue(noDocker.getMessage().contains("leave test.ground unset"), noDocker.getMessage());
    }

    @Test
    void anUnknownGroundIsRefusedWithTheChoices() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Ground.select("docker", DOCKER));
        assertEquals("-Dtest.ground=docker is not a test ground; use embedded (the default) or containers",
                unknown.getMessage());
    }

    /** This build's own run: unless asked for containers, the suite is on the embedded ground. */
    @Test
    void thisRunIsOnTheEmbeddedGroundUnlessAskedOtherwise() {
        assumeTrue(System.getProperty(Ground.PROPERTY) == null, "test.ground is set for this run");
        assertEquals(Ground.EMBEDDED, Ground.selected());
    }
}
