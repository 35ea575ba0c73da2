package dev.dropletworker.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code droplet} body of {@code droplet.create}: what {@code POST /v2/droplets} takes, single or multi. */
final class CreateRequestRules {

    /** The API creates at most 10 Droplets per request (stated in prose only; the schema has no maxItems). */
    static final int MAX_NAMES = 10;
    static final int MAX_NAME_LENGTH = 255;
    /** user_data is limited to 64 KiB; counted in UTF-8 bytes, as the API receives it. */
    static final int MAX_USER_DATA_BYTES = 64 * 1024;

    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9]?[a-z0-9A-Z.\\-]*[a-z0-9A-Z]$");
    private static final Pattern UUID = Pattern.compile(
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

    /** The create fields; the API ignores any other field without a word, so those are rejected. */
    private static final Set<String> FIELDS = Set.of("name", "names", "region", "size", "image", "ssh_keys",
            "backups", "backup_policy", "ipv6", "monitoring", "tags", "user_data", "vpc_uuid", "volumes",
            "with_droplet_agent", "public_networking");

    private CreateRequestRules() {
    }

    static void check(ObjectChecks droplet) {
        droplet.rejectUnknown(FIELDS, name -> name.equals("private_networking")
                ? "is deprecated and ignored; Droplets join the region's default VPC, or set vpc_uuid"
                : "is not a Droplet create field");
        checkNames(droplet);
        droplet.nonEmptyString("size", true);
        droplet.imageSlugOrId("image", true);
        droplet.nonEmptyString("region", false);
        checkSshKeys(droplet);
        for (String flag : List.of("backups", "ipv6", "monitoring", "with_droplet_agent", "public_networking")) {
            droplet.bool(flag);
        }
        if (droplet.has("backup_policy")) {
            BackupPolicyRules.check(droplet, "backup_policy");
            JsonNode backups = droplet.get("backups");
            if (backups == null || !backups.isBoolean() || !backups.asBoolean()) {
                droplet.report("backup_policy", "is only allowed with backups: true");
            }
        }
        checkTags(droplet);
        checkUserData(droplet);
        if (droplet.has("vpc_uuid")) {
            JsonNode vpc = droplet.get("vpc_uuid");
            if (!vpc.isTextual() || !UUID.matcher(vpc.asText()).matches()) {
                droplet.report("vpc_uuid", "must be a UUID string");
            }
        }
        checkVolumes(droplet);
        JsonNode publicNetworking = droplet.get("public_networking");
        JsonNode ipv6 = droplet.get("ipv6");
        if (publicNetworking != null && publicNetworking.isBoolean() && !publicNetworking.asBoolean()
                && ipv6 != null && ipv6.isBoolean() && ipv6.asBoolean()) {
            droplet.report("public_networking", "false (private networking only) requires ipv6 to be false");
        }
    }

    private static void checkNames(ObjectChecks droplet) {
        boolean single = droplet.has("name");
        boolean multi = droplet.has("names");
        if (single && multi) {
            droplet.report("names", "cannot be combined with name: use name for one Droplet or names for several");
        } else if (!single && !multi) {
            droplet.report("name", "is required (or names, to create up to " + MAX_NAMES + " Droplets)");
        }
        if (single) {
            checkName(droplet.get("name"), droplet.at("name"), droplet);
        }
        if (multi) {
            JsonNode names = droplet.get("names");
            if (!names.isArray()) {
                droplet.report("names", "must be an array of Droplet names");
            } else if (names.isEmpty()) {
                droplet.report("names", "must list at least one name");
            } else if (names.size() > MAX_NAMES) {
                droplet.report("names", "lists " + names.size() + " names; the API creates at most "
                        + MAX_NAMES + " Droplets per request");
            }
            if (names.isArray()) {
                for (int i = 0; i < names.size(); i++) {
                    checkName(names.get(i), droplet.at("names", i), droplet);
                }
            }
        }
    }

    private static void checkName(JsonNode name, String pointer, ObjectChecks where) {
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            where.reportAt(pointer, "must be a non-empty string");
        } else if (name.asText().length() > MAX_NAME_LENGTH) {
            where.reportAt(pointer, "must be at most " + MAX_NAME_LENGTH + " characters");
        } else if (!NAME.matcher(name.asText()).matches()) {
            where.reportAt(pointer, "must contain only letters, digits, '.' and '-', and end with a letter or digit");
        }
    }

    private static void checkSshKeys(ObjectChecks droplet) {
        if (!droplet.has("ssh_keys")) {
            return;
        }
        JsonNode keys = droplet.get("ssh_keys");
        if (!keys.isArray()) {
            droplet.report("ssh_keys", "must be an array of key ids or fingerprints");
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            JsonNode key = keys.get(i);
            if (!ObjectChecks.isPositiveInteger(key) && !ObjectChecks.isNonEmptyString(key)) {
                droplet.reportAt(droplet.at("ssh_keys", i),
                        "must be a positive integer key id or a string fingerprint");
            }
        }
    }

    private static void checkTags(ObjectChecks droplet) {
        JsonNode tags = droplet.get("tags");
        if (tags == null || tags.isNull()) {
            return; // the API documents tags as nullable
        }
        if (!tags.isArray()) {
            droplet.report("tags", "must be an array of tag names");
            return;
        }
        for (int i = 0; i < tags.size(); i++) {
            TagRules.checkUserTag(tags.get(i), droplet.at("tags", i), droplet);
        }
    }

    private static void checkUserData(ObjectChecks droplet) {
        if (!droplet.has("user_data")) {
            return;
        }
        JsonNode userData = droplet.get("user_data");
        if (!userData.isTextual()) {
            droplet.report("user_data", "must be a string");
            return;
        }
        int bytes = userData.asText().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_USER_DATA_BYTES) {
            droplet.report("user_data", "is " + bytes + " bytes; the API accepts at most 64 KiB ("
                    + MAX_USER_DATA_BYTES + " bytes, UTF-8)");
        }
    }

    private static void checkVolumes(ObjectChecks droplet) {
        if (!droplet.has("volumes")) {
            return;
        }
        JsonNode volumes = droplet.get("volumes");
        if (!volumes.isArray()) {
            droplet.report("volumes", "must be an array of volume ids");
            return;
        }
        for (int i = 0; i < volumes.size(); i++) {
            if (!ObjectChecks.isNonEmptyString(volumes.get(i))) {
                droplet.reportAt(droplet.at("volumes", i), "must be a volume id (non-empty string)");
            }
        }
    }
}
