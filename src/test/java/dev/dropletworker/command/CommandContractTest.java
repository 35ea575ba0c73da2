package dev.dropletworker.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.dropletworker.job.JobView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keeps the published contract and the code in step: every example in docs/examples passes its
 * schema (and, for commands, the validation code), and every command the validation table rejects
 * is rejected by the schema too, every one it accepts is accepted.
 */
class CommandContractTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Path EXAMPLES = Path.of("docs", "examples");
    private static final JsonSchema COMMAND_SCHEMA = schema("schemas/droplet-command.schema.json");
    private static final JsonSchema EVENT_SCHEMA = schema("schemas/droplet-event.schema.json");

    private final CommandReader reader = new CommandReader(new CommandValidator(), 1_048_576);

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleCommands")
    void exampleCommandPassesSchemaAndValidation(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        JsonNode example = MAPPER.readTree(bytes);

        assertEquals(Set.of(), COMMAND_SCHEMA.validate(example), "schema");
        ReadResult result = reader.read(bytes);
        Command command = assertInstanceOf(ReadResult.Accepted.class, result, () -> result.toString()).command();
        assertEquals(example.get("type").asText(), command.type().wireName());
        // The body is sent to DigitalOcean exactly as the producer wrote it.
        JsonNode body = command instanceof CreateDroplets create ? create.droplet()
                : command instanceof DropletAction action ? action.action()
                : ((TagAction) command).action();
        assertEquals(example.has("droplet") ? example.get("droplet") : example.get("action"), body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleEvents")
    void exampleEventPassesSchema(Path file) throws IOException {
        JsonNode event = MAPPER.readTree(file.toFile());

        assertEquals(Set.of(), EVENT_SCHEMA.validate(event), "schema");
        int generation = event.at("/data/generation").asInt();
        UUID jobId = UUID.fromString(event.at("/data/job_id").asText());
        assertEquals(JobView.eventId(jobId, generation).toString(), event.get("id").asText(),
                "event id: the job id for generation 1, derived from it and the generation for a retry");
        if (generation == 1) {
            assertEquals(event.get("id"), event.at("/data/job_id"), "a first generation's event id is the job id");
        }
        assertEquals(event.get("subject"), event.at("/data/command_id"), "subject is the command id");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.dropletworker.command.CommandValidationTest#invalidCommands")
    void commandRejectedByValidationIsRejectedBySchema(CommandValidationTest.Row row) throws IOException {
        Set<ValidationMessage> schemaErrors = COMMAND_SCHEMA.validate(MAPPER.readTree(row.json()));

        if (row.schemaCanTell()) {
            assertFalse(schemaErrors.isEmpty(), "the schema accepts a command the worker rejects");
            List<String> schemaPointers = schemaErrors.stream().map(CommandContractTest::pointer).toList();
            for (String pointer : row.expected().keySet()) {
                assertTrue(schemaPointers.stream().anyMatch(p -> near(pointer, p)),
                        () -> "the schema rejects it elsewhere than " + pointer + ": " + schemaErrors);
            }
        } else {
            assertEquals(Set.of(), schemaErrors, "this rule is stated to be beyond the schema; update the row");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.dropletworker.command.CommandValidationTest#validCommands")
    void commandAcceptedByValidationIsAcceptedBySchema(CommandValidationTest.Row row) throws IOException {
        assertEquals(Set.of(), COMMAND_SCHEMA.validate(MAPPER.readTree(row.json())));
    }

    @Test
    void rejectedEventExampleListsExactlyWhatTheWorkerReportsForItsCommand() throws IOException {
        byte[] command = Files.readAllBytes(EXAMPLES.resolve("invalid/create-multi-invalid.json"));
        JsonNode event = MAPPER.readTree(EXAMPLES.resolve("events/rejected.json").toFile());

        ReadResult.Rejected rejected = assertInstanceOf(ReadResult.Rejected.class, reader.read(command));
        assertEquals(event.at("/data/problems"), MAPPER.valueToTree(rejected.problems()));
        assertEquals(event.at("/data/command_id").asText(), rejected.commandId());
        assertFalse(COMMAND_SCHEMA.validate(MAPPER.readTree(command)).isEmpty());
    }

    @Test
    void everyCommandTypeAndActionTypeHasAnExample() {
        List<String> names = exampleCommands().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.contains("create-single.json") && names.contains("create-multi.json"), names::toString);
        for (String type : ActionRequestRules.PARAMETERS.keySet()) {
            assertTrue(names.contains("action-" + type + ".json"), () -> "no example for " + type);
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith("tag-action-")), names::toString);
        List<String> events = exampleEvents().map(p -> p.getFileName().toString()).toList();
        for (String outcome : List.of("completed", "errored", "failed", "rejected", "cancelled")) {
            assertTrue(events.stream().anyMatch(n -> n.startsWith(outcome)), () -> "no example event for " + outcome);
        }
    }

    /** Where a schema error points: at the offending property for required and unknown-property errors. */
    private static String pointer(ValidationMessage error) {
        String at = error.getInstanceLocation().toString();
        boolean namesProperty = "required".equals(error.getType()) || "additionalProperties".equals(error.getType());
        return namesProperty && error.getProperty() != null ? at + "/" + ObjectChecks.escape(error.getProperty()) : at;
    }

    /**
     * The worker and the schema blame the same spot: the same field, one inside the other, or two
     * fields of one object (a rule between fields, like backup_policy needing backups).
     */
    private static boolean near(String worker, String schema) {
        return worker.equals(schema) || (!schema.isEmpty() && worker.startsWith(schema + "/"))
                || schema.startsWith(worker + "/") || parent(worker).equals(parent(schema));
    }

    private static String parent(String pointer) {
        return pointer.substring(0, Math.max(0, pointer.lastIndexOf('/')));
    }

    static Stream<Path> exampleCommands() {
        return list(EXAMPLES.resolve("commands"));
    }

    static Stream<Path> exampleEvents() {
        return list(EXAMPLES.resolve("events"));
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonSchema schema(String resource) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true).pathType(PathType.JSON_POINTER).build();
        try (InputStream in = CommandContractTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
