package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Droplet action types ({@code R/droplets/models/droplet_actions.yml}): which parameters each one
 * needs, whether the tag endpoint takes it, and what it does to the Droplet when it completes.
 */
enum ActionType {
    CREATE("create", false) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.status = "active";
            droplet.assignNetworks();
        }
    },
    ENABLE_BACKUPS("enable_backups", true) {
        @Override
        void check(JsonNode body) {
            if (body.has("backup_policy")) {
                checkBackupPolicy(body.get("backup_policy"));
            }
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.features.add("backups");
            droplet.backupPolicy = body.get("backup_policy");
        }
    },
    DISABLE_BACKUPS("disable_backups", true) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.features.remove("backups");
            droplet.backupPolicy = null;
        }
    },
    /** Missing from the spec's type enum although its discriminator maps it (spec bug). */
    CHANGE_BACKUP_POLICY("change_backup_policy", false) {
        @Override
        void check(JsonNode body) {
            if (!body.hasNonNull("backup_policy")) {
                throw ApiFailure.unprocessable("change_backup_policy requires backup_policy");
            }
            checkBackupPolicy(body.get("backup_policy"));
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.backupPolicy = body.get("backup_policy");
        }
    },
    REBOOT("reboot", false) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.status = "active";
        }
    },
    POWER_CYCLE("power_cycle", true) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.status = "active";
        }
    },
    SHUTDOWN("shutdown", true) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.status = "off";
        }
    },
    POWER_OFF("power_off", true) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.status = "off";
        }
    },
    POWER_ON("power_on", true) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.status = "active";
        }
    },
    RESTORE("restore", false) {
        @Override
        void check(JsonNode body) {
            requireInteger(body, "image", "restore requires image (the integer id of a backup of this Droplet)");
        }
    },
    PASSWORD_RESET("password_reset", false),
    RESIZE("resize", false) {
        @Override
        void check(JsonNode body) {
            requireText(body, "size", "resize requires size (a size slug such as s-2vcpu-4gb)");
            if (body.has("disk") && !body.get("disk").isBoolean()) {
                throw ApiFailure.unprocessable("disk must be a boolean");
            }
        }

        /** Only a powered-off Droplet is resized (python-digitalocean PR #99); Terraform powers off first. */
        @Override
        void checkDroplet(DropletState droplet) {
            if (droplet.status.equals("active")) {
                throw ApiFailure.unprocessable(POWERED_ON);
            }
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.size = Size.of(body.get("size").asText());
            // Without disk=true only CPU and memory change; with it the disk grows and cannot shrink again.
            if (body.path("disk").asBoolean(false)) {
                droplet.disk = Math.max(droplet.disk, droplet.size.disk());
            }
        }
    },
    REBUILD("rebuild", false) {
        @Override
        void check(JsonNode body) {
            JsonNode image = body.get("image");
            boolean valid = image != null && (image.isIntegralNumber() && image.asLong() > 0
                    || image.isTextual() && !image.asText().isBlank());
            if (!valid) {
                throw ApiFailure.unprocessable("rebuild requires image (an image slug or integer id)");
            }
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.image = Image.of(body.get("image"));
            droplet.status = "active";
        }
    },
    RENAME("rename", false) {
        @Override
        void check(JsonNode body) {
            requireText(body, "name", "rename requires name");
            if (body.get("name").asText().length() > 255) {
                throw ApiFailure.unprocessable("name must be at most 255 characters");
            }
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.name = body.get("name").asText();
        }
    },
    CHANGE_KERNEL("change_kernel", false) {
        @Override
        void check(JsonNode body) {
            requireInteger(body, "kernel", "change_kernel requires kernel (an integer kernel id)");
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            long kernel = body.get("kernel").asLong();
            droplet.kernel = new Droplet.Kernel(kernel, "kernel-" + kernel, "unknown");
        }
    },
    ENABLE_IPV6("enable_ipv6", true) {
        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            droplet.addIpv6();
        }
    },
    SNAPSHOT("snapshot", true) {
        @Override
        void check(JsonNode body) {
            if (body.has("name") && !body.get("name").isTextual()) {
                throw ApiFailure.unprocessable("name must be a string");
            }
        }

        @Override
        void apply(DropletState droplet, JsonNode body, long actionId) {
            // The snapshot's image id is the action's id: unique, and easy to correlate in tests.
            droplet.snapshotIds.add(actionId);
        }
    };

    private static final Map<String, ActionType> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(t -> t.wireName, Function.identity()));
    private static final Set<String> WEEKDAYS = Set.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    private static final Set<Integer> BACKUP_HOURS = Set.of(0, 4, 8, 12, 16, 20);
    static final String POWERED_ON = "Droplet is currently on. Please power it off to run this event.";

    final String wireName;
    /** One of the eight types that {@code POST /v2/droplets/actions?tag_name=} accepts. */
    final boolean bulk;

    ActionType(String wireName, boolean bulk) {
        this.wireName = wireName;
        this.bulk = bulk;
    }

    /** Rejects a body that lacks what this type needs; the schema itself only requires {@code type}. */
    void check(JsonNode body) {
    }

    /** Refuses the action if the Droplet's state does not allow it; called after the pending-event check. */
    void checkDroplet(DropletState droplet) {
    }

    /** The change a completed action makes to its Droplet. */
    void apply(DropletState droplet, JsonNode body, long actionId) {
    }

    static ActionType of(String wireName) {
        return BY_NAME.get(wireName);
    }

    static List<String> bulkNames() {
        return Arrays.stream(values()).filter(t -> t.bulk).map(t -> t.wireName).toList();
    }

    /** Parses and checks an action request body; {@code bulk} applies the tag endpoint's subset. */
    static ActionType parse(JsonNode body, boolean bulk) {
        JsonNode typeNode = body.get("type");
        if (typeNode == null || typeNode.isNull()) {
            throw ApiFailure.unprocessable("type is required");
        }
        if (!typeNode.isTextual()) {
            throw ApiFailure.unprocessable("type must be a string");
        }
        ActionType type = of(typeNode.asText());
        if (type == null || type == CREATE) {
            throw ApiFailure.unprocessable("'" + typeNode.asText() + "' is not a valid Droplet action type");
        }
        if (bulk && !type.bulk) {
            throw ApiFailure.unprocessable("'" + type.wireName + "' cannot be applied by tag; the tag endpoint accepts "
                    + String.join(", ", bulkNames()));
        }
        type.check(body);
        return type;
    }

    static void checkBackupPolicy(JsonNode policy) {
        if (!policy.isObject()) {
            throw ApiFailure.unprocessable("backup_policy must be an object");
        }
        JsonNode plan = policy.get("plan");
        if (plan != null && !(plan.isTextual() && Set.of("daily", "weekly").contains(plan.asText()))) {
            throw ApiFailure.unprocessable("backup_policy.plan must be daily or weekly");
        }
        JsonNode weekday = policy.get("weekday");
        if (weekday != null && !(weekday.isTextual() && WEEKDAYS.contains(weekday.asText()))) {
            throw ApiFailure.unprocessable("backup_policy.weekday must be one of SUN, MON, TUE, WED, THU, FRI, SAT");
        }
        if (plan != null && plan.asText().equals("weekly") && weekday == null) {
            throw ApiFailure.unprocessable("backup_policy.weekday is required for a weekly plan");
        }
        JsonNode hour = policy.get("hour");
        if (hour != null && !(hour.isIntegralNumber() && BACKUP_HOURS.contains(hour.asInt()))) {
            throw ApiFailure.unprocessable("backup_policy.hour must be one of 0, 4, 8, 12, 16, 20");
        }
    }

    private static void requireText(JsonNode body, String field, String message) {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw ApiFailure.unprocessable(message);
        }
    }

    private static void requireInteger(JsonNode body, String field, String message) {
        JsonNode node = body.get(field);
        if (node == null || !node.isIntegralNumber() || node.asLong() <= 0) {
            throw ApiFailure.unprocessable(message);
        }
    }
}
