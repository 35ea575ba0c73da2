package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/** Names this process in leases: the pod's host name plus a per-start suffix, so a restart is a new owner. */
@ApplicationScoped
public class PodIdentity {

    private final String name = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank())
            .orElse("worker") + "-" + UUID.randomUUID().toString().substring(0, 8);

    public String name() {
        return name;
    }
}
