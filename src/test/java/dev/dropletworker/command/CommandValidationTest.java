package dev.dropletworker.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every validation rule, one row per fault: the command, and each problem it must produce (exact
 * pointer, message fragment). A row lists every problem the command has, so a rule that reports too
 * much fails here as well. {@link CommandContractTest} runs the same rows through the published schema.
 */
class CommandValidationTest {

    private final CommandReader reader = new CommandReader(new CommandValidator(), 1_048_576);

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCommands")
    void invalidCommandIsRejectedWithEachProblemByField(Row row) {
        ReadResult result = reader.read(row.json().getBytes(StandardCharsets.UTF_8));

        ReadResult.Rejected rejected = assertInstanceOf(ReadResult.Rejected.class, result, row.name());
        Map<String, String> problems = rejected.problems().stream()
                .collect(Collectors.toMap(Problem::pointer, Problem::message, (a, b) -> a + " | " + b, TreeMap::new));
        assertEquals(new TreeMap<>(row.expected()).keySet(), problems.keySet(), "pointers, got " + problems);
        row.expected().forEach((pointer, fragment) -> assertTrue(problems.get(pointer).contains(fragment),
                () -> pointer + ": expected a message containing '" + fragment + "', got '" + problems.get(pointer) + "'"));
        assertEquals("c-1", rejected.commandId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validCommands")
    void validCommandIsAccepted(Row row) {
        ReadResult result = reader.read(row.json().getBytes(StandardCharsets.UTF_8));

        assertInstanceOf(ReadResult.Accepted.class, result, () -> row.name() + ": " + result);
    }

    @Test
    void acceptedCreateKeepsTheRequestAsSentAndListsItsNames() {
        String json = create("'names':['a-1','a-2'],'size':'s-1vcpu-1gb','image':42,'tags':['x']");

        CreateDroplets create = (CreateDroplets) accepted(json);

        assertEquals(List.of("a-1", "a-2"), create.names());
        assertEquals("{\"names\":[\"a-1\",\"a-2\"],\"size\":\"s-1vcpu-1gb\",\"image\":42,\"tags\":[\"x\"]}",
                create.droplet().toString());
        assertEquals("c-1", create.eventKey());
    }

    @Test
    void dropletActionIsKeyedByItsDroplet() {
        DropletAction action = (DropletAction) accepted(action("'type':'resize','size':'s-2vcpu-4gb','disk':true"));

        assertEquals("resize", action.actionType());
        assertEquals(3164444L, action.dropletId());
        assertEquals("3164444", action.eventKey());
    }

    @Test
    void rejectedDropletActionIsStillKeyedByItsDroplet() {
        ReadResult.Rejected rejected = (ReadResult.Rejected) reader.read(
                action("'type':'resize'").getBytes(StandardCharsets.UTF_8));

        assertEquals("3164444", rejected.eventKey());
        assertEquals("droplet.action", rejected.type());
    }

    @Test
    void tagActionKeepsTagAndType() {
        TagAction tag = (TagAction) accepted(tag("'type':'power_off'"));

        assertEquals("env:prod", tag.tagName());
        assertEquals("power_off", tag.actionType());
        assertEquals("c-1", tag.eventKey());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableRecords")
    void recordThatIsNoCommandIsUnreadable(String record) {
        assertInstanceOf(ReadResult.Unreadable.class, reader.read(record.getBytes(StandardCharsets.UTF_8)));
    }

    static Stream<String> unreadableRecords() {
        return Stream.of("", "not json", "[1,2]", "\"text\"", json("{'type':'droplet.create'}"),
                json("{'command_id':null}"), json("{'command_id':42}"), json("{'command_id':'  '}"),
                json("{'command_id':'" + "x".repeat(201) + "'}"),
                // PostgreSQL stores no U+0000: a record holding one anywhere could never be recorded.
                json("{'command_id':'nul\\u0000id','type':'droplet.action'}"),
                json("{'command_id':'c-1','type':'droplet.create','droplet':{'name':'a','size':'s','image':'i',"
                        + "'user_data':'x\\u0000y'}}"),
                json("{'command_id':'c-1','type':'droplet.action','droplet_id':1,'action':{'type':'reboot'},"
                        + "'odd\\u0000key':1}"));
    }

    @Test
    void aCommandWithHundredsOfProblemsListsTheFirstFiftyAndCountsTheRest() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            fields.append(",'unknown_").append(i).append("':1");
        }
        ReadResult.Rejected rejected = (ReadResult.Rejected) reader.read(json(
                "{'command_id':'c-1','type':'droplet.action','droplet_id':1,'action':{'type':'reboot'}" + fields + "}")
                .getBytes(StandardCharsets.UTF_8));

        assertEquals(51, rejected.problems().size());
        assertEquals("70 more problems not listed", rejected.problems().get(50).message());
    }

    private Command accepted(String json) {
        ReadResult result = reader.read(json.getBytes(StandardCharsets.UTF_8));
        return assertInstanceOf(ReadResult.Accepted.class, result, () -> result.toString()).command();
    }

    // ---- the table ----

    /**
     * A command and the problems it must produce (pointer → message fragment). {@code schemaCanTell}
     * is false for the rare rule JSON Schema cannot state (user_data counted in UTF-8 bytes).
     */
    record Row(String name, String json, Map<String, String> expected, boolean schemaCanTell) {
        @Override
        public String toString() {
            return name;
        }

        Row codeOnly() {
            return new Row(name, json, expected, false);
        }
    }

    static Row reject(String name, String json, String... pointerThenFragment) {
        Map<String, String> expected = new TreeMap<>();
        for (int i = 0; i < pointerThenFragment.length; i += 2) {
            expected.put(pointerThenFragment[i], pointerThenFragment[i + 1]);
        }
        return new Row(name, json, expected, true);
    }

    static Row accept(String name, String json) {
        return new Row(name, json, Map.of(), true);
    }

    static final String SIZE_IMAGE = "'size':'s-1vcpu-1gb','image':'ubuntu-24-04-x64'";
    static final String NON_BULK_TYPES_NOTE = "not accepted by the bulk (tag) endpoint";

    static Stream<Row> invalidCommands() {
        List<Row> rows = new ArrayList<>(List.of(
            // envelope
            reject("type missing", json("{'command_id':'c-1','droplet':{'name':'a'," + SIZE_IMAGE + "}}"),
                    "/type", "is required"),
            reject("type unknown", json("{'command_id':'c-1','type':'droplet.destroy'}"),
                    "/type", "must be one of droplet.create, droplet.action, droplet.tag_action"),
            reject("account not a valid name", json("{'command_id':'c-1','type':'droplet.create','account':'Team B',"
                    + "'droplet':{'name':'a'," + SIZE_IMAGE + "}}"), "/account", "lower-case account name"),
            reject("unknown top-level field on a create", json("{'command_id':'c-1','type':'droplet.create',"
                    + "'droplet':{'name':'a'," + SIZE_IMAGE + "},'priority':1}"),
                    "/priority", "is not a field of droplet.create"),
            reject("body of another type on an action", json("{'command_id':'c-1','type':'droplet.action',"
                    + "'droplet_id':1,'action':{'type':'reboot'},'droplet':{}}"),
                    "/droplet", "is not a field of droplet.action"),
            reject("droplet_id on a tag action", json("{'command_id':'c-1','type':'droplet.tag_action',"
                    + "'tag_name':'web','droplet_id':5,'action':{'type':'power_on'}}"),
                    "/droplet_id", "is not a field of droplet.tag_action"),

            // create: the request object
            reject("create without droplet", json("{'command_id':'c-1','type':'droplet.create'}"),
                    "/droplet", "is required"),
            reject("create droplet not an object", json("{'command_id':'c-1','type':'droplet.create','droplet':[1]}"),
                    "/droplet", "must be an object"),
            reject("create unknown field", create("'name':'a'," + SIZE_IMAGE + ",'size_slug':'s-1vcpu-1gb'"),
                    "/droplet/size_slug", "is not a Droplet create field"),
            reject("create unknown field pointer is escaped", create("'name':'a'," + SIZE_IMAGE + ",'a/b~c':1"),
                    "/droplet/a~1b~0c", "is not a Droplet create field"),
            reject("create deprecated private_networking", create("'name':'a'," + SIZE_IMAGE + ",'private_networking':true"),
                    "/droplet/private_networking", "deprecated"),

            // create: name and names
            reject("create without name or names", create(SIZE_IMAGE), "/droplet/name", "is required (or names"),
            reject("create with name and names", create("'name':'a','names':['b']," + SIZE_IMAGE),
                    "/droplet/names", "cannot be combined with name"),
            reject("create with 11 names", create(names(11) + "," + SIZE_IMAGE),
                    "/droplet/names", "lists 11 names; the API creates at most 10"),
            reject("create with empty names", create("'names':[]," + SIZE_IMAGE), "/droplet/names", "at least one"),
            reject("create with names not an array", create("'names':'a,b'," + SIZE_IMAGE),
                    "/droplet/names", "must be an array"),
            reject("create with one bad name among names", create("'names':['a','b','c','d_e']," + SIZE_IMAGE),
                    "/droplet/names/3", "only letters, digits, '.' and '-'"),
            reject("create with a space in the name", create("'name':'web 1'," + SIZE_IMAGE),
                    "/droplet/name", "only letters, digits"),
            reject("create name ending with a dash", create("'name':'web-'," + SIZE_IMAGE),
                    "/droplet/name", "end with a letter or digit"),
            reject("create name of 256 characters", create("'name':'" + "a".repeat(256) + "'," + SIZE_IMAGE),
                    "/droplet/name", "at most 255 characters"),
            reject("create name not a string", create("'name':42," + SIZE_IMAGE), "/droplet/name", "non-empty string"),
            reject("create name empty", create("'name':''," + SIZE_IMAGE), "/droplet/name", "non-empty string"),
            reject("create name null", create("'name':null," + SIZE_IMAGE), "/droplet/name", "non-empty string"),

            // create: size, image, region
            reject("create without size", create("'name':'a','image':'ubuntu-24-04-x64'"), "/droplet/size", "is required"),
            reject("create with size not a string", create("'name':'a','size':1,'image':'x'"),
                    "/droplet/size", "non-empty string"),
            reject("create without image", create("'name':'a','size':'s-1vcpu-1gb'"), "/droplet/image", "is required"),
            reject("create with image id 0", create("'name':'a','size':'s','image':0"),
                    "/droplet/image", "image slug (string) or a positive integer image id"),
            reject("create with negative image id", create("'name':'a','size':'s','image':-7"),
                    "/droplet/image", "positive integer image id"),
            reject("create with image as boolean", create("'name':'a','size':'s','image':true"),
                    "/droplet/image", "positive integer image id"),
            reject("create with region not a string", create("'name':'a'," + SIZE_IMAGE + ",'region':3"),
                    "/droplet/region", "non-empty string"),

            // create: ssh keys, flags
            reject("create with bad ssh keys", create("'name':'a'," + SIZE_IMAGE + ",'ssh_keys':[12,0,'',{}]"),
                    "/droplet/ssh_keys/1", "positive integer key id or a string fingerprint",
                    "/droplet/ssh_keys/2", "positive integer key id", "/droplet/ssh_keys/3", "string fingerprint"),
            reject("create with ssh_keys not an array", create("'name':'a'," + SIZE_IMAGE + ",'ssh_keys':'ab:cd'"),
                    "/droplet/ssh_keys", "must be an array"),
            reject("create with non-boolean flags", create("'name':'a'," + SIZE_IMAGE + ",'backups':'yes','ipv6':1,"
                    + "'monitoring':'true','with_droplet_agent':null,'public_networking':0"),
                    "/droplet/backups", "true or false", "/droplet/ipv6", "true or false",
                    "/droplet/monitoring", "true or false", "/droplet/with_droplet_agent", "true or false",
                    "/droplet/public_networking", "true or false"),
            reject("create private-only with ipv6", create("'name':'a'," + SIZE_IMAGE + ",'public_networking':false,'ipv6':true"),
                    "/droplet/public_networking", "requires ipv6 to be false"),

            // create: backup policy
            reject("create backup_policy without backups", create("'name':'a'," + SIZE_IMAGE
                    + ",'backup_policy':{'plan':'daily'}"), "/droplet/backup_policy", "only allowed with backups: true"),
            reject("create backup_policy with backups false", create("'name':'a'," + SIZE_IMAGE
                    + ",'backups':false,'backup_policy':{'plan':'daily'}"),
                    "/droplet/backup_policy", "only allowed with backups: true"),
            reject("create backup_policy with bad values", create("'name':'a'," + SIZE_IMAGE
                    + ",'backups':true,'backup_policy':{'plan':'hourly','weekday':'sunday','hour':3}"),
                    "/droplet/backup_policy/plan", "daily or weekly",
                    "/droplet/backup_policy/weekday", "SUN, MON",
                    "/droplet/backup_policy/hour", "0, 4, 8, 12, 16, 20"),
            reject("create backup_policy hour as a string", create("'name':'a'," + SIZE_IMAGE
                    + ",'backups':true,'backup_policy':{'hour':'4'}"), "/droplet/backup_policy/hour", "integers"),
            reject("create backup_policy with read-only and unknown fields", create("'name':'a'," + SIZE_IMAGE
                    + ",'backups':true,'backup_policy':{'plan':'weekly','day':'MON','window_length_hours':4}"),
                    "/droplet/backup_policy/day", "not a backup policy field",
                    "/droplet/backup_policy/window_length_hours", "read-only"),
            reject("create backup_policy not an object", create("'name':'a'," + SIZE_IMAGE
                    + ",'backups':true,'backup_policy':'daily'"), "/droplet/backup_policy", "must be an object"),

            // create: tags
            reject("create tags not an array", create("'name':'a'," + SIZE_IMAGE + ",'tags':'web'"),
                    "/droplet/tags", "must be an array"),
            reject("create tags with bad characters, length and type", create("'name':'a'," + SIZE_IMAGE
                    + ",'tags':['ok','env prod','" + "t".repeat(256) + "',7,'']"),
                    "/droplet/tags/1", "letters, digits, ':', '-' and '_'",
                    "/droplet/tags/2", "at most 255", "/droplet/tags/3", "non-empty string",
                    "/droplet/tags/4", "non-empty string"),
            reject("create tag in the worker's reserved namespace", create("'name':'a'," + SIZE_IMAGE
                    + ",'tags':['web','droplet-worker:job-1','Droplet-Worker:x']"),
                    "/droplet/tags/1", "reserved for the worker's own job tags",
                    "/droplet/tags/2", "reserved"),

            // create: user data, vpc, volumes
            reject("create user_data over 64 KiB", create("'name':'a'," + SIZE_IMAGE + ",'user_data':'"
                    + "x".repeat(65537) + "'"), "/droplet/user_data", "is 65537 bytes; the API accepts at most 64 KiB"),
            reject("create user_data over 64 KiB only in UTF-8 bytes", create("'name':'a'," + SIZE_IMAGE
                    + ",'user_data':'" + "\u20ac".repeat(21846) + "'"), "/droplet/user_data", "is 65538 bytes")
                    .codeOnly(),
            reject("create user_data not a string", create("'name':'a'," + SIZE_IMAGE + ",'user_data':{'a':1}"),
                    "/droplet/user_data", "must be a string"),
            reject("create vpc_uuid not a UUID", create("'name':'a'," + SIZE_IMAGE + ",'vpc_uuid':'default'"),
                    "/droplet/vpc_uuid", "UUID"),
            reject("create volumes with a bad id", create("'name':'a'," + SIZE_IMAGE + ",'volumes':['v-1',5]"),
                    "/droplet/volumes/1", "volume id"),
            reject("create volumes not an array", create("'name':'a'," + SIZE_IMAGE + ",'volumes':'v-1'"),
                    "/droplet/volumes", "must be an array"),
            reject("create with every problem at once", create("'names':['ok','bad_name'],'image':0,'region':1,"
                    + "'tags':['droplet-worker:1'],'colour':'red'"),
                    "/droplet/colour", "is not a Droplet create field", "/droplet/names/1", "only letters",
                    "/droplet/size", "is required", "/droplet/image", "positive integer image id",
                    "/droplet/region", "non-empty string", "/droplet/tags/0", "reserved"),

            // droplet.action: droplet id and action object
            reject("action without droplet_id", json("{'command_id':'c-1','type':'droplet.action','action':{'type':'reboot'}}"),
                    "/droplet_id", "is required"),
            reject("action droplet_id zero", action(0, "'type':'reboot'"), "/droplet_id", "positive integer"),
            reject("action droplet_id negative", action(-3, "'type':'reboot'"), "/droplet_id", "positive integer"),
            reject("action droplet_id as a string", json("{'command_id':'c-1','type':'droplet.action','droplet_id':'3164444',"
                    + "'action':{'type':'reboot'}}"), "/droplet_id", "positive integer"),
            reject("action droplet_id with a fraction", json("{'command_id':'c-1','type':'droplet.action','droplet_id':1.5,"
                    + "'action':{'type':'reboot'}}"), "/droplet_id", "positive integer"),
            reject("action without action", json("{'command_id':'c-1','type':'droplet.action','droplet_id':1}"),
                    "/action", "is required"),
            reject("action not an object", json("{'command_id':'c-1','type':'droplet.action','droplet_id':1,'action':'reboot'}"),
                    "/action", "must be an object"),
            reject("action without type", action("'size':'s-1vcpu-1gb'"), "/action/type", "is required"),
            reject("action type unknown", action("'type':'explode'"), "/action/type", "is not a Droplet action type"),
            reject("action type removed from the API", action("'type':'enable_private_networking'"),
                    "/action/type", "is not a Droplet action type"),
            reject("action type not a string", action("'type':7"), "/action/type", "is not a Droplet action type"),

            // droplet.action: parameters per type
            reject("resize without size", action("'type':'resize','disk':true"), "/action/size", "is required"),
            reject("resize with bad size and disk", action("'type':'resize','size':2,'disk':'yes'"),
                    "/action/size", "non-empty string", "/action/disk", "true or false"),
            reject("resize with a parameter of another type", action("'type':'resize','size':'s','image':5"),
                    "/action/image", "is not a parameter of resize, which takes only disk, size"),
            reject("rename without name", action("'type':'rename'"), "/action/name", "is required"),
            reject("rename with empty name", action("'type':'rename','name':''"), "/action/name", "non-empty string"),
            reject("rebuild without image", action("'type':'rebuild'"), "/action/image", "is required"),
            reject("rebuild with image id 0", action("'type':'rebuild','image':0"),
                    "/action/image", "image slug (string) or a positive integer"),
            reject("restore without image", action("'type':'restore'"), "/action/image", "is required"),
            reject("restore with an image slug", action("'type':'restore','image':'ubuntu-24-04-x64'"),
                    "/action/image", "positive integer backup image id"),
            reject("change_kernel without kernel", action("'type':'change_kernel'"), "/action/kernel", "is required"),
            reject("change_kernel with a kernel name", action("'type':'change_kernel','kernel':'6.1'"),
                    "/action/kernel", "positive integer"),
            reject("snapshot with a non-string name", action("'type':'snapshot','name':5"),
                    "/action/name", "non-empty string"),
            reject("enable_backups with a bad policy", action("'type':'enable_backups','backup_policy':{'plan':'monthly'}"),
                    "/action/backup_policy/plan", "daily or weekly"),
            reject("change_backup_policy without policy", action("'type':'change_backup_policy'"),
                    "/action/backup_policy", "is required"),
            reject("change_backup_policy with the spec example's day key", action("'type':'change_backup_policy',"
                    + "'backup_policy':{'plan':'weekly','day':'SUN'}"),
                    "/action/backup_policy/day", "not a backup policy field"),
            reject("reboot with a parameter", action("'type':'reboot','size':'s'"),
                    "/action/size", "is not a parameter of reboot, which takes no parameters"),
            reject("disable_backups with a policy", action("'type':'disable_backups','backup_policy':{'plan':'daily'}"),
                    "/action/backup_policy", "is not a parameter of disable_backups"),

            // droplet.tag_action
            reject("tag action without tag_name", json("{'command_id':'c-1','type':'droplet.tag_action',"
                    + "'action':{'type':'power_off'}}"), "/tag_name", "is required"),
            reject("tag action with empty tag_name", tag("", "'type':'power_off'"), "/tag_name", "non-empty string"),
            reject("tag action with a space in tag_name", tag("env prod", "'type':'power_off'"),
                    "/tag_name", "letters, digits, ':', '-' and '_'"),
            reject("tag action with tag_name of 256 characters", tag("t".repeat(256), "'type':'power_off'"),
                    "/tag_name", "at most 255"),
            reject("tag action without action", json("{'command_id':'c-1','type':'droplet.tag_action','tag_name':'web'}"),
                    "/action", "is required"),
            reject("tag action type unknown", tag("'type':'explode'"), "/action/type", "is not a bulk Droplet action type"),
            reject("tag action enable_backups with a policy", tag("'type':'enable_backups','backup_policy':{'plan':'daily'}"),
                    "/action/backup_policy", "is not a parameter of enable_backups on the bulk (tag) endpoint"),
            reject("tag action power_off with a parameter", tag("'type':'power_off','name':'x'"),
                    "/action/name", "takes no parameters"),
            reject("tag action snapshot with an empty name", tag("'type':'snapshot','name':''"),
                    "/action/name", "non-empty string")));
        for (String type : List.of("reboot", "restore", "password_reset", "resize", "rebuild", "rename",
                "change_kernel", "change_backup_policy")) {
            rows.add(reject("tag action of non-bulk type " + type, tag("'type':'" + type + "'"),
                    "/action/type", type + " is " + NON_BULK_TYPES_NOTE));
        }
        return rows.stream();
    }

    static Stream<Row> validCommands() {
        List<Row> rows = new ArrayList<>(List.of(
            accept("create single, minimal", create("'name':'a'," + SIZE_IMAGE)),
            accept("create with image id", create("'name':'web-1.example.com','size':'s','image':123456")),
            accept("create with 10 names", create(names(10) + "," + SIZE_IMAGE)),
            accept("create name of 255 characters", create("'name':'" + "a".repeat(255) + "'," + SIZE_IMAGE)),
            accept("create name starting with a dash (the API's pattern allows it)", create("'name':'-a'," + SIZE_IMAGE)),
            accept("create with every field", create("'name':'a'," + SIZE_IMAGE + ",'region':'nyc3',"
                    + "'ssh_keys':[1,'3b:16:e4'],'backups':true,'backup_policy':{'plan':'weekly','weekday':'SAT','hour':0},"
                    + "'ipv6':true,'monitoring':false,'tags':['env:prod','a_b-c'],'user_data':'#!/bin/sh',"
                    + "'vpc_uuid':'760e09ef-dc84-11e8-981e-3cfdfeaae000','volumes':['v-1'],'with_droplet_agent':false,"
                    + "'public_networking':true")),
            accept("create with tags null", create("'name':'a'," + SIZE_IMAGE + ",'tags':null")),
            accept("create with an empty backup_policy and backups", create("'name':'a'," + SIZE_IMAGE
                    + ",'backups':true,'backup_policy':{}")),
            accept("create private-only without ipv6", create("'name':'a'," + SIZE_IMAGE + ",'public_networking':false")),
            accept("create user_data of exactly 64 KiB", create("'name':'a'," + SIZE_IMAGE + ",'user_data':'"
                    + "x".repeat(65536) + "'")),
            accept("create with account", json("{'command_id':'c-1','type':'droplet.create','account':'team-b',"
                    + "'droplet':{'name':'a'," + SIZE_IMAGE + "}}")),
            accept("create with account null", json("{'command_id':'c-1','type':'droplet.create','account':null,"
                    + "'droplet':{'name':'a'," + SIZE_IMAGE + "}}")),
            accept("enable_backups without policy", action("'type':'enable_backups'")),
            accept("resize without disk", action("'type':'resize','size':'s-2vcpu-4gb'")),
            accept("rebuild with image id", action("'type':'rebuild','image':42")),
            accept("snapshot without name", action("'type':'snapshot'")),
            accept("tag action on a reserved job tag", tag("droplet-worker:3f1c1f0e", "'type':'power_off'")),
            accept("tag snapshot with name", tag("'type':'snapshot','name':'nightly'"))));
        for (String type : List.of("disable_backups", "reboot", "power_cycle", "shutdown", "power_off", "power_on",
                "password_reset", "enable_ipv6")) {
            rows.add(accept("action " + type, action("'type':'" + type + "'")));
        }
        for (String type : List.of("power_cycle", "power_on", "power_off", "shutdown", "enable_ipv6", "enable_backups",
                "disable_backups", "snapshot")) {
            rows.add(accept("tag action " + type, tag("'type':'" + type + "'")));
        }
        return rows.stream();
    }

    // ---- building commands: single quotes stand for double quotes ----

    static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static String create(String dropletFields) {
        return json("{'command_id':'c-1','type':'droplet.create','droplet':{" + dropletFields + "}}");
    }

    static String action(String actionFields) {
        return action(3164444, actionFields);
    }

    static String action(long dropletId, String actionFields) {
        return json("{'command_id':'c-1','type':'droplet.action','droplet_id':" + dropletId + ",'action':{"
                + actionFields + "}}");
    }

    static String tag(String actionFields) {
        return tag("env:prod", actionFields);
    }

    static String tag(String tagName, String actionFields) {
        return json("{'command_id':'c-1','type':'droplet.tag_action','tag_name':'" + tagName + "','action':{"
                + actionFields + "}}");
    }

    static String names(int count) {
        return "'names':[" + Stream.iterate(1, i -> i + 1).limit(count).map(i -> "'n-" + i + "'")
                .collect(Collectors.joining(",")) + "]";
    }
}
