package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A Droplet's mutable state inside {@link DropletStore}; only touched under the store's lock. */
final class DropletState {

    final long id;
    final Instant createdAt;
    final List<Long> actionIds = new ArrayList<>();
    String name;
    String status;
    Region region;
    Size size;
    int disk;
    Image image;
    Droplet.Kernel kernel;
    final Set<String> features = new LinkedHashSet<>();
    final List<Long> backupIds = new ArrayList<>();
    final List<Long> snapshotIds = new ArrayList<>();
    final List<String> volumeIds = new ArrayList<>();
    final List<String> tags = new ArrayList<>();
    String vpcUuid;
    boolean ipv6;
    boolean publicNetworking = true;
    JsonNode backupPolicy;
    final List<Droplet.V4> v4 = new ArrayList<>();
    final List<Droplet.V6> v6 = new ArrayList<>();
    int inProgressActions;

    DropletState(long id, String name, Region region, Size size, Image image, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.region = region;
        this.size = size;
        this.disk = size.disk();
        this.image = image;
        this.createdAt = createdAt;
        this.vpcUuid = vpcFor(region.slug());
    }

    boolean locked() {
        return inProgressActions > 0;
    }

    /** Addresses are derived from the id so that they are unique and stable across runs. */
    void assignNetworks() {
        v4.clear();
        v6.clear();
        long n = id & 0x1FFFF;
        if (publicNetworking) {
            // 198.18.0.0/15 is reserved for benchmarks: never routable, room for 131,072 Droplets.
            v4.add(new Droplet.V4("198." + (18 + (n >> 16)) + "." + ((n >> 8) & 0xFF) + "." + (n & 0xFF),
                    "255.254.0.0", "198.18.0.1", "public"));
        }
        v4.add(new Droplet.V4("10.10." + ((n >> 8) & 0xFF) + "." + (n & 0xFF), "255.255.0.0", "nil", "private"));
        if (ipv6) {
            addIpv6();
        }
    }

    void addIpv6() {
        ipv6 = true;
        features.add("ipv6");
        if (v6.isEmpty() && !v4.isEmpty()) {
            v6.add(new Droplet.V6("2604:a880:800:10::" + Long.toHexString(id) + ":1", 64, "2604:a880:800:10::1",
                    "public"));
        }
    }

    Droplet view() {
        Instant windowStart = features.contains("backups")
                ? createdAt.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS) : null;
        return new Droplet(id, name, size.memory(), size.vcpus(), disk,
                List.of(new Droplet.DiskInfo("local", new Droplet.DiskSize(disk, "gib"))), locked(), status,
                kernel, Timestamps.format(createdAt), List.copyOf(features), List.copyOf(backupIds),
                windowStart == null ? null : new Droplet.BackupWindow(Timestamps.format(windowStart),
                        Timestamps.format(windowStart.plus(4, ChronoUnit.HOURS))),
                List.copyOf(snapshotIds), image, List.copyOf(volumeIds), size, size.slug(),
                new Droplet.Networks(List.copyOf(v4), List.copyOf(v6)), region, List.copyOf(tags), vpcUuid);
    }

    private static String vpcFor(String regionSlug) {
        String hex = String.format("%012x", Integer.toUnsignedLong(regionSlug.hashCode()));
        return "760e09ef-dc84-11e8-981e-" + hex.substring(hex.length() - 12);
    }
}
