package dev.dropletworker.health;

import dev.dropletworker.command.IntakeStatus;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while intake holds a record it cannot record yet (the database is away): the pod takes
 * in nothing new meanwhile. Liveness is not touched: intake goes on by itself when it can, and a
 * restart would not bring the database back.
 */
@Readiness
@ApplicationScoped
public class IntakeCheck implements HealthCheck {

    private final IntakeStatus status;

    public IntakeCheck(IntakeStatus status) {
        this.status = status;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("intake");
        status.holdingSince().ifPresentOrElse(
                since -> response.down().withData("holding_a_record_since", since.toString()),
                response::up);
        return response.build();
    }
}
