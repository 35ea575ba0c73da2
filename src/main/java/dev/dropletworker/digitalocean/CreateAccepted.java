package dev.dropletworker.digitalocean;

import java.util.List;

/** A 202 to {@code POST /v2/droplets}: the new Droplets and the create action to follow for each. */
public record CreateAccepted(List<Droplet> droplets, List<Long> actionIds) {
}
