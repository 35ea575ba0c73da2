package dev.dropletworker.lifecycle;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;

/**
 * The time a stopping pod has left to hand over its work: {@code worker.shutdown.timeout} from
 * the moment shutdown began. The roles stop one after the other (intake, dispatch, tracking, the
 * relay: the order of their shutdown observers' priorities below) and share this one budget.
 */
@ApplicationScoped
public class ShutdownDeadline {

    /** Observer priorities of the shutdown steps, in the order they run. */
    public static final int BEGIN = 1;
    public static final int STOP_INTAKE = 10;
    public static final int STOP_DISPATCH = 20;
    public static final int STOP_TRACKING = 30;
    public static final int FLUSH_EVENTS = 40;

    private final ShutdownConfig config;
    private volatile Instant deadline;

    public ShutdownDeadline(ShutdownConfig config) {
        this.config = config;
    }

    void begin(@Observes @Priority(BEGIN) ShutdownEvent event) {
        deadline = Instant.now().plus(config.timeout());
    }

    /** What is left of the shutdown timeout (all of it before shutdown began). */
    public Duration remaining() {
        Instant end = deadline;
        if (end == null) {
            return config.timeout();
        }
        Duration left = Duration.between(Instant.now(), end);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
