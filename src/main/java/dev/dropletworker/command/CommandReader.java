package dev.dropletworker.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.CommandType;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a Kafka record value as a command. Never throws: every record gets an answer
 * (accepted, rejected with each problem, or unreadable with a reason). Everything a record can
 * make the reader hold or echo is bounded: its size, its nesting, the length of its strings and
 * names, the problems listed and the text they quote.
 */
@ApplicationScoped
public class CommandReader {

    static final int MAX_COMMAND_ID_LENGTH = 200;
    static final int MAX_PROBLEMS = 50;
    /** A command is a few levels deep; a record nested deeper is not one (and would cost stack to walk). */
    static final int MAX_NESTING_DEPTH = 32;
    /**
     * Field names longer than this make a record unreadable. Shorter unknown ones are reported as
     * problems, their pointers cut (see {@link Problem}), so the producer still gets its answer.
     */
    static final int MAX_NAME_LENGTH = 50_000;
    /** A rejected command's {@code type} is echoed in its event: at most this much of it. */
    static final int MAX_ECHOED_TYPE_LENGTH = 100;
    /** Why a record is unreadable quotes the parser, which may quote the record. */
    static final int MAX_REASON_LENGTH = 500;
    private static final Pattern ACCOUNT = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,62}$");
    private static final Set<String> ENVELOPE_FIELDS = Set.of("command_id", "type", "account");
    private static final String KINDS = Arrays.stream(CommandType.values()).map(CommandType::wireName)
            .collect(Collectors.joining(", "));

    private final ObjectMapper mapper;
    private final CommandValidator validator;
    private final int maxCommandBytes;

    @Inject
    public CommandReader(CommandValidator validator, IntakeConfig config) {
        this(validator, config.maxCommandBytes());
    }

    public CommandReader(CommandValidator validator, int maxCommandBytes) {
        this.validator = validator;
        this.maxCommandBytes = maxCommandBytes;
        // Its own mapper: these limits are for producers' records, not for anything else the worker parses.
        this.mapper = new ObjectMapper(JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxDocumentLength(maxCommandBytes)
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxNameLength(MAX_NAME_LENGTH)
                .maxStringLength(maxCommandBytes)
                .build()).build());
    }

    public ReadResult read(byte[] value) {
        if (value == null || value.length == 0) {
            return new ReadResult.Unreadable("record has no value");
        }
        if (value.length > maxCommandBytes) {
            return new ReadResult.Unreadable("record is " + value.length + " bytes; a command may have at most "
                    + maxCommandBytes);
        }
        JsonNode root;
        try {
            root = mapper.readTree(value);
        } catch (JsonProcessingException e) {
            return unreadable("record is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            return unreadable("record could not be read: " + e.getClass().getSimpleName());
        }
        if (root == null || !root.isObject()) {
            return new ReadResult.Unreadable("record is JSON but not an object");
        }
        if (containsNul(root)) {
            // PostgreSQL can store no U+0000 in text or jsonb: such a record could never be recorded.
            return new ReadResult.Unreadable("record contains a NUL character (\\u0000), which cannot be stored");
        }
        JsonNode id = root.get("command_id");
        if (id == null || id.isNull()) {
            return new ReadResult.Unreadable("command has no command_id");
        }
        if (!id.isTextual() || id.asText().isBlank()) {
            return new ReadResult.Unreadable("command_id must be a non-empty string");
        }
        String commandId = id.asText();
        if (commandId.length() > MAX_COMMAND_ID_LENGTH) {
            return new ReadResult.Unreadable("command_id is longer than " + MAX_COMMAND_ID_LENGTH + " characters");
        }
        return readCommand(commandId, (ObjectNode) root);
    }

    private static ReadResult unreadable(String reason) {
        return new ReadResult.Unreadable(Echo.cut(reason, MAX_REASON_LENGTH));
    }

    /** A command with thousands of faults gets the first {@value #MAX_PROBLEMS} and a count: events stay small. */
    private static List<Problem> capped(List<Problem> problems) {
        if (problems.size() <= MAX_PROBLEMS) {
            return List.copyOf(problems);
        }
        List<Problem> kept = new ArrayList<>(problems.subList(0, MAX_PROBLEMS));
        kept.add(new Problem("", (problems.size() - MAX_PROBLEMS) + " more problems not listed"));
        return List.copyOf(kept);
    }

    private static boolean containsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.asText().indexOf('\0') >= 0;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().indexOf('\0') >= 0 || containsNul(field.getValue())) {
                return true;
            }
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (containsNul(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    private ReadResult readCommand(String commandId, ObjectNode root) {
        List<Problem> problems = new ArrayList<>();
        String account = "default";
        JsonNode accountNode = root.get("account");
        if (accountNode != null && !accountNode.isNull()) {
            if (accountNode.isTextual() && ACCOUNT.matcher(accountNode.asText()).matches()) {
                account = accountNode.asText();
            } else {
                problems.add(new Problem("/account",
                        "must be a lower-case account name (letters, digits, '-' or '_', at most 63 characters)"));
            }
        }
        JsonNode typeNode = root.get("type");
        String rawType = typeNode != null && typeNode.isTextual() ? Echo.cut(typeNode.asText(), MAX_ECHOED_TYPE_LENGTH)
                : null;
        CommandType type = rawType == null ? null : CommandType.fromWireName(rawType).orElse(null);
        if (typeNode == null || typeNode.isNull()) {
            problems.add(new Problem("/type", "is required"));
        } else if (type == null) {
            problems.add(new Problem("/type", "must be one of " + KINDS));
        }
        Long dropletId = null;
        if (type != null) {
            validator.validate(type, root, ENVELOPE_FIELDS, problems);
            if (type == CommandType.ACTION && root.path("droplet_id").canConvertToExactIntegral()
                    && root.path("droplet_id").asLong() > 0) {
                dropletId = root.path("droplet_id").asLong();
            }
        }
        if (!problems.isEmpty()) {
            return new ReadResult.Rejected(commandId, rawType, account, dropletId, capped(problems));
        }
        Command command = switch (type) {
            case CREATE -> new CreateDroplets(commandId, account, (ObjectNode) root.get("droplet"));
            case ACTION -> new DropletAction(commandId, account, root.get("droplet_id").asLong(),
                    (ObjectNode) root.get("action"));
            case TAG_ACTION -> new TagAction(commandId, account, root.get("tag_name").asText(),
                    (ObjectNode) root.get("action"));
        };
        return new ReadResult.Accepted(command);
    }
}
