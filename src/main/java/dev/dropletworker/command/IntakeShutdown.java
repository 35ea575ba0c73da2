package dev.dropletworker.command;

import dev.dropletworker.lifecycle.ShutdownDeadline;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.PausableChannel;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * The first step of a pod's shutdown: it takes in no more commands. The record being recorded
 * finishes; records fetched but not yet handed over are never acknowledged, so they go, with the
 * partitions, to the pods that stay once the consumer closes.
 */
@ApplicationScoped
class IntakeShutdown {

    private static final Logger LOG = Logger.getLogger(IntakeShutdown.class);

    private final PausableChannel commands;

    IntakeShutdown(@Channel("droplet-commands") PausableChannel commands) {
        this.commands = commands;
    }

    void stopConsuming(@Observes @Priority(ShutdownDeadline.STOP_INTAKE) ShutdownEvent event) {
        commands.pause();
        LOG.info("shutdown: intake paused; no more commands are taken in");
    }
}
