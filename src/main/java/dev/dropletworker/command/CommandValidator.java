package dev.dropletworker.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.job.CommandType;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a command's type-specific body before anything is sent to DigitalOcean, adding one
 * {@link Problem} per fault so that a producer can fix everything at once. The published schema
 * ({@code schemas/droplet-command.schema.json}) states the same rules; a test keeps them in step.
 */
@ApplicationScoped
public class CommandValidator {

    void validate(CommandType type, ObjectNode root, Set<String> envelopeFields, List<Problem> problems) {
        ObjectChecks command = ObjectChecks.root(root, problems);
        switch (type) {
            case CREATE -> {
                rejectUnknown(command, envelopeFields, Set.of("droplet"), type);
                if (command.required("droplet")) {
                    ObjectChecks droplet = command.object("droplet");
                    if (droplet != null) {
                        CreateRequestRules.check(droplet);
                    }
                }
            }
            case ACTION -> {
                rejectUnknown(command, envelopeFields, Set.of("droplet_id", "action"), type);
                command.positiveInteger("droplet_id", true);
                ObjectChecks action = action(command);
                if (action != null) {
                    ActionRequestRules.checkDropletAction(action);
                }
            }
            case TAG_ACTION -> {
                rejectUnknown(command, envelopeFields, Set.of("tag_name", "action"), type);
                if (command.required("tag_name")) {
                    TagRules.check(command.get("tag_name"), command.at("tag_name"), command);
                }
                ObjectChecks action = action(command);
                if (action != null) {
                    ActionRequestRules.checkBulkAction(action);
                }
            }
        }
    }

    private static ObjectChecks action(ObjectChecks command) {
        return command.required("action") ? command.object("action") : null;
    }

    private static void rejectUnknown(ObjectChecks command, Set<String> envelope, Set<String> body, CommandType type) {
        Set<String> known = new HashSet<>(envelope);
        known.addAll(body);
        command.rejectUnknown(known, name -> "is not a field of " + type.wireName() + " (it takes "
                + String.join(", ", envelope.stream().sorted().toList()) + ", "
                + String.join(", ", body.stream().sorted().toList()) + ")");
    }
}
