package dev.dropletworker.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/** The {@code backup_policy} object, as a create request and the backup actions take it. */
final class BackupPolicyRules {

    private static final Set<String> PLANS = Set.of("daily", "weekly");
    private static final Set<String> WEEKDAYS = Set.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    private static final Set<Integer> HOURS = Set.of(0, 4, 8, 12, 16, 20);
    private static final Set<String> FIELDS = Set.of("plan", "weekday", "hour");
    private static final Set<String> READ_ONLY = Set.of("window_length_hours", "retention_period_days");

    private BackupPolicyRules() {
    }

    static void check(ObjectChecks parent, String field) {
        ObjectChecks policy = parent.object(field);
        if (policy == null) {
            return;
        }
        policy.rejectUnknown(FIELDS, name -> READ_ONLY.contains(name)
                ? "is read-only; DigitalOcean sets it from the plan"
                : "is not a backup policy field (plan, weekday, hour)");
        if (policy.has("plan") && !oneOf(policy.get("plan"), PLANS)) {
            policy.report("plan", "must be daily or weekly");
        }
        if (policy.has("weekday") && !oneOf(policy.get("weekday"), WEEKDAYS)) {
            policy.report("weekday", "must be one of SUN, MON, TUE, WED, THU, FRI, SAT");
        }
        if (policy.has("hour")) {
            // The spec types hour as a string but lists integers; godo and the API take an integer.
            JsonNode hour = policy.get("hour");
            if (!hour.isIntegralNumber() || !hour.canConvertToInt() || !HOURS.contains(hour.asInt())) {
                policy.report("hour", "must be one of the integers 0, 4, 8, 12, 16, 20");
            }
        }
    }

    private static boolean oneOf(JsonNode value, Set<String> allowed) {
        return value.isTextual() && allowed.contains(value.asText());
    }
}
