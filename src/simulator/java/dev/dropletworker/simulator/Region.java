package dev.dropletworker.simulator;

import java.util.List;
import java.util.Map;

/** The Region object embedded in Droplets and actions ({@code R/regions/models/region.yml}). */
record Region(String name, String slug, List<String> features, boolean available, List<String> sizes) {

    static final String DEFAULT_SLUG = "nyc3";

    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("nyc1", "New York 1"), Map.entry("nyc2", "New York 2"), Map.entry("nyc3", "New York 3"),
            Map.entry("sfo1", "San Francisco 1"), Map.entry("sfo2", "San Francisco 2"),
            Map.entry("sfo3", "San Francisco 3"), Map.entry("ams3", "Amsterdam 3"),
            Map.entry("sgp1", "Singapore 1"), Map.entry("lon1", "London 1"), Map.entry("fra1", "Frankfurt 1"),
            Map.entry("tor1", "Toronto 1"), Map.entry("blr1", "Bangalore 1"), Map.entry("syd1", "Sydney 1"),
            Map.entry("atl1", "Atlanta 1"));
    private static final List<String> FEATURES =
            List.of("backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer");
    private static final List<String> SIZES = List.of("s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-2gb",
            "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb", "s-8vcpu-16gb", "c-2", "g-2vcpu-8gb");

    /**
     * Any slug is accepted: a region prefix such as {@code nyc} lets DigitalOcean pick a
     * datacenter, and the simulator then places the Droplet in the region's first one.
     */
    static Region of(String slug) {
        String resolved = slug == null ? DEFAULT_SLUG : NAMES.containsKey(slug + "1") ? slug + "1" : slug;
        return new Region(NAMES.getOrDefault(resolved, resolved.toUpperCase()), resolved, FEATURES, true, SIZES);
    }
}
