package dev.dropletworker.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The Image object embedded in Droplets; built from the slug or id the request named. */
record Image(long id, String name, String distribution, String slug, @JsonProperty("public") boolean isPublic,
             List<String> regions, String createdAt, int minDiskSize, String type, double sizeGigabytes,
             String description, List<String> tags, String status, String errorMessage) {

    private static final List<String> REGIONS = List.of("nyc1", "nyc3", "sfo3", "ams3", "sgp1", "lon1", "fra1", "tor1");
    private static final String CREATED = "2024-04-25T14:28:50Z";

    /** {@code image} is either a public image slug or the integer id of a snapshot or backup. */
    static Image of(JsonNode image) {
        if (image.isIntegralNumber()) {
            long id = image.asLong();
            return new Image(id, "snapshot-" + id, "Unknown", null, false, REGIONS, CREATED, 25, "snapshot",
                    2.5, "", List.of(), "available", "");
        }
        String slug = image.asText();
        String first = slug.split("-", 2)[0];
        String distribution = first.isEmpty() ? "Unknown" : Character.toUpperCase(first.charAt(0)) + first.substring(1);
        long id = 100_000_000L + Math.floorMod(slug.hashCode(), 100_000_000);
        return new Image(id, slug, distribution, slug, true, REGIONS, CREATED, 7, "base", 2.36,
                distribution + " image " + slug, List.of(), "available", "");
    }
}
