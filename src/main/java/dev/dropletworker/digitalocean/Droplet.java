package dev.dropletworker.digitalocean;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The Droplet fields the worker reports; {@code networks} is passed through as the API returns it. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Droplet(long id, String name, String status, boolean locked, JsonNode networks, List<String> tags) {
}
