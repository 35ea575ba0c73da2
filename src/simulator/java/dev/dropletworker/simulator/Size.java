package dev.dropletworker.simulator;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Size object embedded in Droplets; its figures are derived from the slug. */
record Size(String slug, int memory, int vcpus, int disk, double transfer, double priceMonthly,
            double priceHourly, List<String> regions, boolean available, String description) {

    private static final Pattern SHAPE = Pattern.compile("(\\d+)vcpu-(\\d+)(gb|mb)");
    private static final List<String> REGIONS = List.of("nyc1", "nyc3", "sfo3", "ams3", "sgp1", "lon1", "fra1", "tor1");

    static Size of(String slug) {
        int vcpus = 1;
        int memoryMb = 1024;
        Matcher m = SHAPE.matcher(slug);
        if (m.find()) {
            vcpus = Integer.parseInt(m.group(1));
            memoryMb = Integer.parseInt(m.group(2)) * (m.group(3).equals("gb") ? 1024 : 1);
        }
        int memoryGb = Math.max(1, memoryMb / 1024);
        int disk = memoryMb <= 512 ? 10 : memoryMb <= 1024 ? 25 : memoryMb <= 2048 ? 50 : memoryGb * 20;
        double monthly = memoryMb <= 512 ? 4.0 : memoryGb * 6.0;
        double hourly = Math.round(monthly / 672.0 * 100000) / 100000.0;
        String description = slug.startsWith("gpu-") ? "GPU" : slug.startsWith("c-") ? "CPU-Optimized" : "Basic";
        return new Size(slug, memoryMb, vcpus, disk, memoryGb * 1.0, monthly, hourly, REGIONS, true, description);
    }

    /** GPU Droplets are listed only with {@code type=gpus}. */
    boolean gpu() {
        return slug.startsWith("gpu-");
    }
}
