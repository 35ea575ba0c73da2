package dev.dropletworker.simulator;

import java.util.List;

/**
 * A Droplet as the API returns it ({@code R/droplets/models/droplet.yml}): an immutable view,
 * taken from {@link DropletState} under the store's lock and serialised outside it.
 */
record Droplet(long id, String name, int memory, int vcpus, int disk, List<DiskInfo> diskInfo, boolean locked,
               String status, Kernel kernel, String createdAt, List<String> features, List<Long> backupIds,
               BackupWindow nextBackupWindow, List<Long> snapshotIds, Image image, List<String> volumeIds,
               Size size, String sizeSlug, Networks networks, Region region, List<String> tags, String vpcUuid) {

    record DiskInfo(String type, DiskSize size) {
    }

    record DiskSize(int amount, String unit) {
    }

    record Kernel(long id, String name, String version) {
    }

    record BackupWindow(String start, String end) {
    }

    record Networks(List<V4> v4, List<V6> v6) {
    }

    record V4(String ipAddress, String netmask, String gateway, String type) {
    }

    record V6(String ipAddress, int netmask, String gateway, String type) {
    }
}
