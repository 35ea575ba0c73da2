package dev.dropletworker.tools.ground;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.jboss.logmanager.Logger;

/**
 * Lowers the in-JVM servers' own logging to WARN. Kafka logs every config value and state change
 * at INFO, which buries the test output. Set through JBoss LogManager directly (not JUL) so it also
 * applies when JBoss is not the JUL LogManager, as under {@code exec:java}.
 */
final class QuietServerLogs {

    private static final List<String> CATEGORIES = List.of(
            "kafka", "org.apache.kafka", "state.change.logger", "io.zonky.test");

    // Held so the configured loggers are not collected and their levels lost.
    private static final List<Logger> QUIETED = new ArrayList<>();

    private QuietServerLogs() {
    }

    static synchronized void apply() {
        if (!QUIETED.isEmpty()) {
            return;
        }
        for (String category : CATEGORIES) {
            Logger logger = Logger.getLogger(category);
            logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
    }
}
