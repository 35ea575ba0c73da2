package dev.dropletworker.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.regex.Pattern;

/** DigitalOcean's tag name rule, shared by create tags and the bulk endpoint's {@code tag_name}. */
final class TagRules {

    /** The worker tags each Droplet it creates with a job tag under this prefix, to find it again after a crash. */
    static final String RESERVED_PREFIX = "droplet-worker:";

    static final int MAX_LENGTH = 255;
    private static final Pattern TAG = Pattern.compile("^[a-zA-Z0-9:_-]+$");

    private TagRules() {
    }

    /** Checks a tag name; reports at {@code pointer} and returns false when it is not a valid tag. */
    static boolean check(JsonNode tag, String pointer, ObjectChecks where) {
        if (tag == null || !tag.isTextual() || tag.asText().isEmpty()) {
            where.reportAt(pointer, "must be a non-empty string");
            return false;
        }
        String name = tag.asText();
        if (name.length() > MAX_LENGTH) {
            where.reportAt(pointer, "must be at most " + MAX_LENGTH + " characters");
            return false;
        }
        if (!TAG.matcher(name).matches()) {
            where.reportAt(pointer, "must contain only letters, digits, ':', '-' and '_'");
            return false;
        }
        return true;
    }

    /** A tag a producer puts on a new Droplet: valid and not in the worker's reserved namespace. */
    static void checkUserTag(JsonNode tag, String pointer, ObjectChecks where) {
        // DigitalOcean matches tag names without regard to case, so the reservation does too.
        if (check(tag, pointer, where) && tag.asText().toLowerCase(Locale.ROOT).startsWith(RESERVED_PREFIX)) {
            where.reportAt(pointer, "must not start with '" + RESERVED_PREFIX
                    + "': that prefix is reserved for the worker's own job tags");
        }
    }
}
