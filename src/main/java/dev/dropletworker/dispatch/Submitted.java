package dev.dropletworker.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.digitalocean.Action;
import java.util.List;

/**
 * What DigitalOcean accepted for one job: the actions to follow, and for creates the Droplets as
 * first returned (null otherwise).
 */
record Submitted(List<Action> actions, JsonNode droplets, String detail) {
}
