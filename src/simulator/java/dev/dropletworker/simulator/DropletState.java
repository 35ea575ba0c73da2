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

    private static final int[] IPV6_PREFIX = {0x2604, 0xa880, 0x800, 0x10};
    private static final String IPV6_GATEWAY = "2604:a880:800:10::1";
    private static final long PUBLIC_FIRST_HOST = (198L << 24) + (18L << 16) + 2;
    private static final int PUBLIC_HOSTS = (1 << 17) - 3;
    private static final long PRIVATE_FIRST_HOST = (10L << 24) + (10L << 16) + 1;
    private static final int PRIVATE_HOSTS = (1 << 16) - 2;

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

    /** The Droplet's place in the account's address pools, given in creation order. */
    final int host;

    DropletState(long id, int host, String name, Region region, Size size, Image image, Instant createdAt) {
        this.id = id;
        this.host = host;
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

    /**
     * IPv4 addresses come from {@link #host}, so they are unique (until a pool wraps around) and the
     * same in every run that creates the same Droplets in the same order; never a network,
     * gateway or broadcast address.
     */
    void assignNetworks() {
        v4.clear();
        v6.clear();
        if (publicNetworking) {
            // 198.18.0.0/15 is reserved for benchmarks and never routed: .0.0 is the network,
            // .0.1 the gateway and 198.19.255.255 the broadcast address, 131,069 hosts between.
            v4.add(new Droplet.V4(dotted(PUBLIC_FIRST_HOST + Math.floorMod(host, PUBLIC_HOSTS)), "255.254.0.0",
                    "198.18.0.1", "public"));
        }
        // 10.10.0.0/16: 65,534 hosts; the spec's example gives a private interface the gateway "nil".
        v4.add(new Droplet.V4(dotted(PRIVATE_FIRST_HOST + Math.floorMod(host, PRIVATE_HOSTS)), "255.255.0.0", "nil",
                "private"));
        if (ipv6) {
            addIpv6();
        }
    }

    private static String dotted(long address) {
        return (address >>> 24 & 0xFF) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "."
                + (address & 0xFF);
    }

    void addIpv6() {
        ipv6 = true;
        features.add("ipv6");
        if (v6.isEmpty() && !v4.isEmpty()) {
            v6.add(new Droplet.V6(ipv6Address(id), 64, IPV6_GATEWAY, "public"));
        }
    }

    /**
     * In 2604:a880:800:10::/64, with the Droplet's id as the interface id (four groups at most), so
     * each Droplet's address is unique; written in the RFC 5952 text form, as the spec's
     * {@code format: ipv6} expects.
     */
    static String ipv6Address(long id) {
        int[] groups = new int[8];
        System.arraycopy(IPV6_PREFIX, 0, groups, 0, 4);
        for (int i = 0; i < 4; i++) {
            groups[7 - i] = (int) (id >>> (16 * i)) & 0xFFFF;
        }
        // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes "::".
        int runStart = -1;
        int runLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > runLength) {
                runStart = i;
                runLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == runStart) {
                text.append("::");
                i += runLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
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
