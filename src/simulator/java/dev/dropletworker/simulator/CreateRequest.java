package dev.dropletworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A checked {@code POST /v2/droplets} body (§7 of the contract reference). */
record CreateRequest(List<String> names, boolean multi, String region, String size, JsonNode image,
                     List<String> tags, boolean ipv6, boolean backups, boolean monitoring, boolean publicNetworking,
                     String vpcUuid, List<String> volumes) {

    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9]?[a-z0-9A-Z.\\-]*[a-z0-9A-Z]$");
    private static final Pattern TAG = Pattern.compile("^[a-zA-Z0-9:_-]+$");
    /** The API allows at most ten Droplets per multi-create; the schema itself sets no maxItems. */
    static final int MAX_NAMES = 10;
    static final int MAX_USER_DATA_BYTES = 64 * 1024;

    static CreateRequest parse(JsonNode body) {
        boolean hasName = body.hasNonNull("name");
        boolean hasNames = body.hasNonNull("names");
        if (hasName && hasNames) {
            throw ApiFailure.unprocessable("specify either name or names, not both");
        }
        if (!hasName && !hasNames) {
            throw ApiFailure.unprocessable("name is required (or names, to create several Droplets)");
        }
        List<String> names = new ArrayList<>();
        if (hasName) {
            names.add(checkName(body.get("name"), "name"));
        } else {
            JsonNode array = body.get("names");
            if (!array.isArray() || array.isEmpty()) {
                throw ApiFailure.unprocessable("names must be a non-empty array of strings");
            }
            if (array.size() > MAX_NAMES) {
                throw ApiFailure.unprocessable("names may hold at most " + MAX_NAMES + " names, got " + array.size());
            }
            for (int i = 0; i < array.size(); i++) {
                names.add(checkName(array.get(i), "names[" + i + "]"));
            }
        }
        String size = requiredText(body, "size", "size is required (a size slug such as s-1vcpu-1gb)");
        JsonNode image = body.get("image");
        boolean imageValid = image != null && (image.isTextual() && !image.asText().isBlank()
                || image.isIntegralNumber() && image.asLong() > 0);
        if (!imageValid) {
            throw ApiFailure.unprocessable("image is required (an image slug or integer id)");
        }
        String region = optionalText(body, "region");
        JsonNode userData = body.get("user_data");
        if (userData != null && !userData.isNull()) {
            if (!userData.isTextual()) {
                throw ApiFailure.unprocessable("user_data must be a string");
            }
            int bytes = userData.asText().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_USER_DATA_BYTES) {
                throw ApiFailure.unprocessable("user_data must be at most 64 KiB (" + MAX_USER_DATA_BYTES
                        + " bytes), got " + bytes);
            }
        }
        List<String> tags = strings(body, "tags");
        for (String tag : tags) {
            if (tag.length() > 255 || !TAG.matcher(tag).matches()) {
                throw ApiFailure.unprocessable("tag '" + tag
                        + "' is invalid: tags hold letters, digits, ':', '-' and '_', at most 255 characters");
            }
        }
        boolean backups = flag(body, "backups", false);
        if (body.hasNonNull("backup_policy")) {
            ActionType.checkBackupPolicy(body.get("backup_policy"));
        }
        boolean ipv6 = flag(body, "ipv6", false);
        boolean publicNetworking = flag(body, "public_networking", true);
        if (!publicNetworking && ipv6) {
            throw ApiFailure.unprocessable("public_networking false requires ipv6 false");
        }
        JsonNode sshKeys = body.get("ssh_keys");
        if (sshKeys != null && !sshKeys.isNull() && !sshKeys.isArray()) {
            throw ApiFailure.unprocessable("ssh_keys must be an array of key ids or fingerprints");
        }
        return new CreateRequest(List.copyOf(names), hasNames, region, size, image, List.copyOf(tags), ipv6, backups,
                flag(body, "monitoring", false), publicNetworking, optionalText(body, "vpc_uuid"), volumes(body));
    }

    /** The same request for its first {@code n} names only: what a create that partly went through made. */
    CreateRequest firstNames(int n) {
        if (n >= names.size()) {
            return this;
        }
        return new CreateRequest(names.subList(0, n), multi, region, size, image, tags, ipv6, backups, monitoring,
                publicNetworking, vpcUuid, volumes);
    }

    private static String checkName(JsonNode node, String field) {
        if (!node.isTextual()) {
            throw ApiFailure.unprocessable(field + " must be a string");
        }
        String name = node.asText();
        if (name.length() > 255) {
            throw ApiFailure.unprocessable(field + " must be at most 255 characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw ApiFailure.unprocessable(field + " '" + name + "' is invalid: only letters, digits, '.' and '-'"
                    + " are allowed, and it must end with a letter or digit");
        }
        return name;
    }

    private static String requiredText(JsonNode body, String field, String message) {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw ApiFailure.unprocessable(message);
        }
        return node.asText();
    }

    private static String optionalText(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiFailure.unprocessable(field + " must be a string");
        }
        return node.asText();
    }

    private static boolean flag(JsonNode body, String field, boolean fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw ApiFailure.unprocessable(field + " must be a boolean");
        }
        return node.asBoolean();
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiFailure.unprocessable(field + " must be an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw ApiFailure.unprocessable(field + " must be an array of strings");
            }
            values.add(item.asText());
        }
        return values;
    }

    /** The spec takes volume ids as strings; godo sends {@code {"id": "..."}} objects. Both are accepted. */
    private static List<String> volumes(JsonNode body) {
        JsonNode node = body.get("volumes");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiFailure.unprocessable("volumes must be an array");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode item : node) {
            JsonNode id = item.isObject() ? item.get("id") : item;
            if (id == null || !id.isTextual()) {
                throw ApiFailure.unprocessable("volumes must hold volume ids");
            }
            ids.add(id.asText());
        }
        return List.copyOf(ids);
    }
}
