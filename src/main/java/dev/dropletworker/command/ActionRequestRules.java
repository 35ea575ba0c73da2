package dev.dropletworker.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dropletworker.job.CommandType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The {@code action} body of {@code droplet.action} and {@code droplet.tag_action}: the request
 * {@code POST /v2/droplets/{id}/actions} (or the bulk {@code POST /v2/droplets/actions?tag_name=})
 * takes. The spec marks hardly any parameter required; the server needs the ones that define each
 * operation, so those are required here.
 */
final class ActionRequestRules {

    /**
     * Every Droplet action type with the parameters it takes. change_backup_policy is missing from
     * the spec's type enum although its discriminator maps it; the API takes it.
     */
    static final Map<String, Set<String>> PARAMETERS = parameters(
            "enable_backups", Set.of("backup_policy"),
            "disable_backups", Set.of(),
            "change_backup_policy", Set.of("backup_policy"),
            "reboot", Set.of(),
            "power_cycle", Set.of(),
            "shutdown", Set.of(),
            "power_off", Set.of(),
            "power_on", Set.of(),
            "restore", Set.of("image"),
            "password_reset", Set.of(),
            "resize", Set.of("size", "disk"),
            "rebuild", Set.of("image"),
            "rename", Set.of("name"),
            "change_kernel", Set.of("kernel"),
            "enable_ipv6", Set.of(),
            "snapshot", Set.of("name"));

    /**
     * The types the bulk (tag) endpoint accepts, with their parameters: its body is the plain action
     * or the snapshot action, so enable_backups takes no policy there.
     */
    static final Map<String, Set<String>> BULK_PARAMETERS = parameters(
            "power_cycle", Set.of(),
            "power_on", Set.of(),
            "power_off", Set.of(),
            "shutdown", Set.of(),
            "enable_ipv6", Set.of(),
            "enable_backups", Set.of(),
            "disable_backups", Set.of(),
            "snapshot", Set.of("name"));

    private ActionRequestRules() {
    }

    /** An action on one Droplet. */
    static void checkDropletAction(ObjectChecks action) {
        String type = checkType(action, PARAMETERS, "is not a Droplet action type; expected one of ");
        if (type == null) {
            return;
        }
        rejectUnknownParameters(action, type, PARAMETERS.get(type), "");
        switch (type) {
            case "enable_backups" -> {
                if (action.has("backup_policy")) {
                    BackupPolicyRules.check(action, "backup_policy");
                }
            }
            case "change_backup_policy" -> {
                if (action.required("backup_policy")) {
                    BackupPolicyRules.check(action, "backup_policy");
                }
            }
            case "resize" -> {
                action.nonEmptyString("size", true);
                action.bool("disk");
            }
            case "rename" -> action.nonEmptyString("name", true);
            case "rebuild" -> action.imageSlugOrId("image", true);
            case "restore" -> {
                // A restore takes the id of one of this Droplet's backups, never a slug.
                if (action.required("image") && !ObjectChecks.isPositiveInteger(action.get("image"))) {
                    action.report("image", "must be a positive integer backup image id");
                }
            }
            case "change_kernel" -> action.positiveInteger("kernel", true);
            case "snapshot" -> action.nonEmptyString("name", false);
            default -> {
                // the remaining types take no parameters
            }
        }
    }

    /** An action on every Droplet with a tag, through the bulk endpoint. */
    static void checkBulkAction(ObjectChecks action) {
        JsonNode typeNode = action.get("type");
        if (typeNode != null && typeNode.isTextual() && PARAMETERS.containsKey(typeNode.asText())
                && !BULK_PARAMETERS.containsKey(typeNode.asText())) {
            action.report("type", typeNode.asText() + " is not accepted by the bulk (tag) endpoint, which takes only "
                    + String.join(", ", BULK_PARAMETERS.keySet()) + "; send a " + CommandType.ACTION.wireName()
                    + " per Droplet instead");
            return;
        }
        String type = checkType(action, BULK_PARAMETERS, "is not a bulk Droplet action type; expected one of ");
        if (type == null) {
            return;
        }
        rejectUnknownParameters(action, type, BULK_PARAMETERS.get(type), " on the bulk (tag) endpoint");
        if (type.equals("snapshot")) {
            action.nonEmptyString("name", false);
        }
    }

    /** The action's type when it is one of {@code types}; else null, with a problem. */
    private static String checkType(ObjectChecks action, Map<String, Set<String>> types, String unknown) {
        if (!action.required("type")) {
            return null;
        }
        JsonNode type = action.get("type");
        if (!type.isTextual() || !types.containsKey(type.asText())) {
            action.report("type", unknown + String.join(", ", types.keySet()));
            return null;
        }
        return type.asText();
    }

    private static void rejectUnknownParameters(ObjectChecks action, String type, Set<String> parameters,
            String where) {
        Set<String> known = new LinkedHashSet<>(parameters);
        known.add("type");
        String takes = parameters.isEmpty() ? "takes no parameters"
                : "takes only " + String.join(", ", parameters.stream().sorted().toList());
        action.rejectUnknown(known, name -> "is not a parameter of " + type + where + ", which " + takes);
    }

    private static Map<String, Set<String>> parameters(Object... typeThenParameters) {
        Map<String, Set<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < typeThenParameters.length; i += 2) {
            @SuppressWarnings("unchecked")
            Set<String> parameters = (Set<String>) typeThenParameters[i + 1];
            map.put((String) typeThenParameters[i], parameters);
        }
        return Collections.unmodifiableMap(map);
    }
}
