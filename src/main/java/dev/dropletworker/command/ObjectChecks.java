package dev.dropletworker.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The fields of one JSON object inside a command, with the checks every rule set needs. Each fault
 * becomes a {@link Problem} whose pointer (RFC 6901) addresses the field from the command's root.
 */
final class ObjectChecks {

    private final JsonNode object;
    private final String pointer;
    private final List<Problem> problems;

    ObjectChecks(JsonNode object, String pointer, List<Problem> problems) {
        this.object = object;
        this.pointer = pointer;
        this.problems = problems;
    }

    /** The command's root object. */
    static ObjectChecks root(JsonNode command, List<Problem> problems) {
        return new ObjectChecks(command, "", problems);
    }

    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    static boolean isPositiveInteger(JsonNode node) {
        // Exact integers only: DigitalOcean decodes ids into integers and refuses 5.0.
        return node != null && node.isIntegralNumber() && node.canConvertToLong() && node.asLong() > 0;
    }

    static boolean isNonEmptyString(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isEmpty();
    }

    String at(String field) {
        return pointer + "/" + escape(field);
    }

    /** An item of the array at {@code field}. */
    String at(String field, int index) {
        return at(field) + "/" + index;
    }

    /** Present in the object, even as {@code null}. */
    boolean has(String field) {
        return object.has(field);
    }

    JsonNode get(String field) {
        return object.get(field);
    }

    void report(String field, String message) {
        reportAt(at(field), message);
    }

    void reportAt(String fieldPointer, String message) {
        problems.add(new Problem(fieldPointer, message));
    }

    /** Reports each field outside {@code known}, with the message {@code why} gives for it. */
    void rejectUnknown(Set<String> known, Function<String, String> why) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                report(name, why.apply(name));
            }
        }
    }

    /** Reports a missing (or null) required field; true when the field has a value to check. */
    boolean required(String field) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            report(field, "is required");
            return false;
        }
        return true;
    }

    void nonEmptyString(String field, boolean required) {
        if (required ? required(field) : has(field)) {
            if (!isNonEmptyString(get(field))) {
                report(field, "must be a non-empty string");
            }
        }
    }

    void bool(String field) {
        if (has(field) && !get(field).isBoolean()) {
            report(field, "must be true or false");
        }
    }

    void positiveInteger(String field, boolean required) {
        if (required ? required(field) : has(field)) {
            if (!isPositiveInteger(get(field))) {
                report(field, "must be a positive integer");
            }
        }
    }

    /** An image as DigitalOcean takes it: a public image slug or the id of an image, snapshot or backup. */
    void imageSlugOrId(String field, boolean required) {
        if (required ? required(field) : has(field)) {
            JsonNode image = get(field);
            if (!isNonEmptyString(image) && !isPositiveInteger(image)) {
                report(field, "must be an image slug (string) or a positive integer image id");
            }
        }
    }

    /** The nested object at {@code field}, or null (with a problem) when it is not an object. */
    ObjectChecks object(String field) {
        JsonNode node = get(field);
        if (node == null || !node.isObject()) {
            report(field, "must be an object");
            return null;
        }
        return new ObjectChecks(node, at(field), problems);
    }
}
