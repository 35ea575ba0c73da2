package dev.dropletworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Droplet and Action bodies follow the contract reference (§3): every required field, with its JSON
 * type, and addresses that are valid for their family (the spec says {@code format: ipv6}).
 */
class ResponseSchemaTest {

    private static final String TOKEN = "dop_v1_schema";
    private static final Duration ACTION = Duration.ofSeconds(20);
    private static final Set<String> DROPLET_STATUSES = Set.of("new", "active", "off", "archive");
    private static final Set<String> ACTION_STATUSES = Set.of("in-progress", "completed", "errored");
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static DigitalOceanSimulator simulator;
    private static SimulatorClient api;

    @BeforeAll
    static void start() {
        simulator = DigitalOceanSimulator.start(SimulatorConfig.builder().token(TOKEN)
                .clock(Clock.fixed(Instant.parse("2026-06-01T08:30:00Z"), ZoneOffset.UTC))
                .actionDuration(ACTION).build());
        api = new SimulatorClient(simulator.baseUrl(), TOKEN);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() {
        api.reset();
    }

    @Test
    void strictAddressChecksRefuseWhatIsNotAnAddress() {
        assertThrows(AssertionError.class, () -> checkIpv6("2604:a880:800:10::1dcd6506:1"), "a group of 8 digits");
        assertThrows(AssertionError.class, () -> checkIpv6("1:2:3:4:5:6:7:8:9"), "nine groups");
        assertThrows(AssertionError.class, () -> checkIpv6("1:2:3:4::5:6:7:8"), ":: standing for no group");
        assertThrows(AssertionError.class, () -> checkIpv6("1::2::3"), "two ::");
        assertThrows(AssertionError.class, () -> checkIpv6("1:2:3:4:5:6:7"), "seven groups without ::");
        assertThrows(AssertionError.class, () -> checkIpv4("198.18.0.256"));
        assertThrows(AssertionError.class, () -> checkIpv4("10.10.1"));
        checkIpv6("2604:a880:800:10::1dcd:6501");
        checkIpv6("2604:a880:800:10:7fff:ffff:ffff:ffff");
        checkIpv4("198.19.255.1");
    }

    @Test
    void everyAddressIsValidForItsFamilyAndUniqueToItsDroplet() {
        List<Long> ids = new ArrayList<>();
        // Created: single with IPv6, multi without, private-only.
        ids.add(createdIds("{\"name\":\"v6-new\",\"size\":\"s-1vcpu-1gb\",\"image\":\"ubuntu-24-04-x64\","
                + "\"ipv6\":true}").get(0));
        ids.addAll(createdIds("{\"names\":[\"m-1\",\"m-2\",\"m-3\"],\"size\":\"s-1vcpu-1gb\",\"image\":\"u\"}"));
        ids.add(createdIds("{\"name\":\"private\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\","
                + "\"public_networking\":false}").get(0));
        // Seeded, with and without IPv6, among them ids of every size up to four hex groups.
        ids.add(api.seedDroplet("{\"name\":\"seeded-v6\",\"ipv6\":true}"));
        ids.add(api.seedDroplet("{\"id\":65536,\"name\":\"round\",\"ipv6\":true}"));
        ids.add(api.seedDroplet("{\"id\":4294967296,\"name\":\"two-zero-groups\",\"ipv6\":true}"));
        ids.add(api.seedDroplet("{\"id\":4294967297,\"name\":\"alternating\",\"ipv6\":true}"));
        ids.add(api.seedDroplet("{\"id\":9223372036854775807,\"name\":\"largest\",\"ipv6\":true}"));
        long later = api.seedDroplet("{\"name\":\"later-v6\"}");
        ids.add(later);
        long tagged1 = api.seedDroplet("{\"name\":\"tagged-1\",\"tags\":[\"v6-fleet\"]}");
        long tagged2 = api.seedDroplet("{\"name\":\"tagged-2\",\"tags\":[\"v6-fleet\"]}");
        ids.add(tagged1);
        ids.add(tagged2);
        simulator.advanceClock(ACTION);
        // IPv6 enabled afterwards, per Droplet and by tag.
        assertEquals(201, api.post("/v2/droplets/" + later + "/actions", "{\"type\":\"enable_ipv6\"}").status());
        assertEquals(201, api.post("/v2/droplets/actions?tag_name=v6-fleet", "{\"type\":\"enable_ipv6\"}").status());
        simulator.advanceClock(ACTION);

        Set<String> v6 = new HashSet<>();
        Set<String> publicV4 = new HashSet<>();
        Set<String> privateV4 = new HashSet<>();
        int withV6 = 0;
        int withPublicV4 = 0;
        for (long id : ids) {
            JsonNode droplet = api.get("/v2/droplets/" + id).body().path("droplet");
            checkDroplet(droplet);
            JsonNode networks = droplet.path("networks");
            for (JsonNode n : networks.path("v4")) {
                (n.path("type").asText().equals("public") ? publicV4 : privateV4).add(n.path("ip_address").asText());
                withPublicV4 += n.path("type").asText().equals("public") ? 1 : 0;
            }
            for (JsonNode n : networks.path("v6")) {
                v6.add(n.path("ip_address").asText());
                withV6++;
            }
        }
        assertEquals(9, withV6, "every Droplet created, seeded or enabled with IPv6 has an address");
        assertEquals(withV6, v6.size(), "IPv6 addresses are unique: " + v6);
        assertEquals(withPublicV4, publicV4.size(), "public IPv4 addresses are unique: " + publicV4);
        assertEquals(ids.size(), privateV4.size(), "private IPv4 addresses are unique: " + privateV4);
        assertEquals(12, withPublicV4, "all but the private-only Droplet have a public address");
        assertTrue(v6.contains("2604:a880:800:10::1:0"), v6.toString());
        assertTrue(v6.contains("2604:a880:800:10:0:1::"), "the longer zero run is shortened: " + v6);
        assertTrue(v6.contains("2604:a880:800:10:0:1:0:1"), "a single zero group is not shortened: " + v6);
        assertTrue(v6.contains("2604:a880:800:10:7fff:ffff:ffff:ffff"), v6.toString());
    }

    @Test
    void dropletBodiesCarryEveryRequiredFieldWithItsType() {
        JsonNode single = api.post("/v2/droplets", "{\"name\":\"one\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\","
                + "\"backups\":true,\"ipv6\":true,\"tags\":[\"a\"]}").body();
        checkDroplet(single.path("droplet"));
        JsonNode multi = api.post("/v2/droplets", "{\"names\":[\"x-1\",\"x-2\"],\"size\":\"s-2vcpu-4gb\","
                + "\"image\":12345}").body();
        multi.path("droplets").forEach(ResponseSchemaTest::checkDroplet);
        long seeded = api.seedDroplet("{\"name\":\"seeded\",\"status\":\"off\",\"tags\":[\"b\"]}");
        simulator.advanceClock(ACTION);
        api.post("/v2/droplets/" + seeded + "/actions", "{\"type\":\"change_kernel\",\"kernel\":7515}");
        simulator.advanceClock(ACTION);

        JsonNode list = api.get("/v2/droplets?per_page=200").body();
        assertEquals(4, list.path("droplets").size());
        assertTrue(list.path("meta").path("total").isIntegralNumber());
        assertTrue(list.path("links").isObject());
        list.path("droplets").forEach(ResponseSchemaTest::checkDroplet);
        checkDroplet(api.get("/v2/droplets/" + seeded).body().path("droplet"));
        assertTrue(api.get("/v2/droplets/" + seeded).body().path("droplet").path("kernel").isObject());
        JsonNode withBackups = api.get("/v2/droplets/" + single.path("droplet").path("id").asLong()).body();
        assertTrue(withBackups.path("droplet").path("next_backup_window").isObject());
    }

    @Test
    void actionBodiesCarryEveryDocumentedFieldWithItsType() {
        List<JsonNode> actions = new ArrayList<>();
        JsonNode created = api.post("/v2/droplets", "{\"name\":\"c\",\"size\":\"s-1vcpu-1gb\",\"image\":\"u\"}").body();
        for (JsonNode link : created.path("links").path("actions")) {
            assertTrue(link.path("id").isIntegralNumber());
            assertEquals("create", link.path("rel").asText());
            assertTrue(link.path("href").asText().startsWith(simulator.baseUrl() + "/v2/actions/"));
            actions.add(api.get("/v2/actions/" + link.path("id").asLong()).body().path("action"));
        }
        long id = api.seedDroplet("{\"name\":\"acted\",\"tags\":[\"t\"]}");
        JsonNode posted = api.post("/v2/droplets/" + id + "/actions", "{\"type\":\"reboot\"}").body().path("action");
        actions.add(posted);
        simulator.advanceClock(ACTION);
        api.control("POST", "droplets/" + id + "/next-action-outcome", "{\"status\":\"errored\"}");
        actions.addAll(list(api.post("/v2/droplets/actions?tag_name=t", "{\"type\":\"power_off\"}").body()));
        simulator.advanceClock(ACTION);
        actions.add(api.get("/v2/droplets/" + id + "/actions/" + posted.path("id").asLong()).body().path("action"));
        actions.addAll(list(api.get("/v2/actions").body()));
        actions.addAll(list(api.get("/v2/droplets/" + id + "/actions").body()));

        Set<String> statuses = new HashSet<>();
        for (JsonNode action : actions) {
            checkAction(action);
            statuses.add(action.path("status").asText());
        }
        assertEquals(ACTION_STATUSES, statuses, "every status was seen");
    }

    private static List<Long> createdIds(String body) {
        JsonNode created = api.post("/v2/droplets", body).body();
        List<Long> ids = new ArrayList<>();
        if (created.has("droplet")) {
            checkDroplet(created.path("droplet"));
            ids.add(created.path("droplet").path("id").asLong());
        }
        created.path("droplets").forEach(d -> {
            checkDroplet(d);
            ids.add(d.path("id").asLong());
        });
        return ids;
    }

    private static List<JsonNode> list(JsonNode body) {
        List<JsonNode> out = new ArrayList<>();
        body.path("actions").forEach(out::add);
        return out;
    }

    /** §3.2: the fields the schema requires, plus the ones the worker reads. */
    static void checkDroplet(JsonNode d) {
        String where = "droplet " + d.path("id");
        positiveInteger(d, "id", where);
        text(d, "name", where);
        positiveInteger(d, "memory", where);
        positiveInteger(d, "vcpus", where);
        positiveInteger(d, "disk", where);
        field(d, "locked", where, JsonNode::isBoolean, "a boolean");
        assertTrue(DROPLET_STATUSES.contains(text(d, "status", where)), where + ": status " + d.path("status"));
        dateTime(d, "created_at", where);
        arrayOf(d, "features", where, JsonNode::isTextual);
        arrayOf(d, "backup_ids", where, JsonNode::isIntegralNumber);
        JsonNode window = field(d, "next_backup_window", where, n -> n.isNull() || n.isObject(), "null or an object");
        if (window.isObject()) {
            dateTime(window, "start", where + " next_backup_window");
            dateTime(window, "end", where + " next_backup_window");
        }
        arrayOf(d, "snapshot_ids", where, JsonNode::isIntegralNumber);
        JsonNode image = field(d, "image", where, JsonNode::isObject, "an object");
        field(image, "id", where + " image", JsonNode::isIntegralNumber, "an integer");
        JsonNode size = field(d, "size", where, JsonNode::isObject, "an object");
        assertEquals(text(d, "size_slug", where), text(size, "slug", where + " size"), where);
        arrayOf(d, "volume_ids", where, JsonNode::isTextual);
        checkRegion(field(d, "region", where, JsonNode::isObject, "an object"), where);
        arrayOf(d, "tags", where, JsonNode::isTextual);
        assertTrue(UUID.matcher(text(d, "vpc_uuid", where)).matches(), where + ": vpc_uuid " + d.path("vpc_uuid"));
        field(d, "kernel", where, n -> n.isNull() || n.isObject(), "null or an object");
        JsonNode networks = field(d, "networks", where, JsonNode::isObject, "an object");
        arrayOf(networks, "v4", where, JsonNode::isObject);
        arrayOf(networks, "v6", where, JsonNode::isObject);
        for (JsonNode n : networks.path("v4")) {
            String type = text(n, "type", where + " v4");
            assertTrue(Set.of("public", "private").contains(type), where + ": v4 type " + type);
            checkIpv4(text(n, "ip_address", where + " v4"));
            checkIpv4(text(n, "netmask", where + " v4"));
            String gateway = text(n, "gateway", where + " v4");
            // The spec's example gives a private interface the gateway "nil".
            if (!(type.equals("private") && gateway.equals("nil"))) {
                checkIpv4(gateway);
            }
        }
        for (JsonNode n : networks.path("v6")) {
            assertEquals("public", text(n, "type", where + " v6"), where);
            checkIpv6(text(n, "ip_address", where + " v6"));
            checkIpv6(text(n, "gateway", where + " v6"));
            JsonNode netmask = field(n, "netmask", where + " v6", JsonNode::isIntegralNumber, "an integer");
            assertTrue(netmask.asInt() > 0 && netmask.asInt() <= 128, where + ": v6 netmask " + netmask);
        }
        if (d.path("status").asText().equals("new")) {
            assertEquals(0, networks.path("v4").size() + networks.path("v6").size(), where + ": no networks yet");
        }
    }

    /** §3.1: the schema requires no field, but these are what the API sends and clients read. */
    static void checkAction(JsonNode a) {
        String where = "action " + a.path("id");
        positiveInteger(a, "id", where);
        String status = text(a, "status", where);
        assertTrue(ACTION_STATUSES.contains(status), where + ": status " + status);
        text(a, "type", where);
        dateTime(a, "started_at", where);
        JsonNode completed = field(a, "completed_at", where, n -> n.isNull() || n.isTextual(), "null or a date-time");
        assertEquals(status.equals("in-progress"), completed.isNull(),
                where + ": completed_at is null only while in progress");
        if (!completed.isNull()) {
            dateTime(a, "completed_at", where);
        }
        field(a, "resource_id", where, n -> n.isNull() || n.isIntegralNumber(), "null or an integer");
        text(a, "resource_type", where);
        checkRegion(field(a, "region", where, JsonNode::isObject, "an object"), where);
        field(a, "region_slug", where, n -> n.isNull() || n.isTextual(), "null or a string");
    }

    private static void checkRegion(JsonNode region, String where) {
        text(region, "name", where + " region");
        text(region, "slug", where + " region");
        arrayOf(region, "features", where + " region", JsonNode::isTextual);
        field(region, "available", where + " region", JsonNode::isBoolean, "a boolean");
        arrayOf(region, "sizes", where + " region", JsonNode::isTextual);
    }

    /** Dotted quad, then the JDK's own parse (a literal, so no name lookup). */
    static void checkIpv4(String address) {
        assertTrue(IPV4.matcher(address).matches(), "not an IPv4 address: " + address);
        assertTrue(parse(address) instanceof Inet4Address, address);
    }

    /** At most 8 groups of at most 4 hex digits; "::" once at most, standing for at least one group. */
    static void checkIpv6(String address) {
        int compressions = address.split("::", -1).length - 1;
        assertTrue(compressions <= 1, "more than one :: in " + address);
        List<String> groups = new ArrayList<>();
        for (String part : address.split("::", -1)) {
            if (!part.isEmpty()) {
                groups.addAll(List.of(part.split(":", -1)));
            }
        }
        groups.forEach(g -> assertTrue(HEX_GROUP.matcher(g).matches(), "group '" + g + "' of " + address));
        if (compressions == 1) {
            assertTrue(groups.size() <= 7, ":: must stand for at least one group: " + address);
        } else {
            assertEquals(8, groups.size(), "groups of " + address);
        }
        assertTrue(parse(address) instanceof Inet6Address, address);
    }

    private static InetAddress parse(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            return fail(literal + " does not parse: " + e.getMessage());
        }
    }

    private static JsonNode field(JsonNode node, String name, String where, Predicate<JsonNode> type,
                                  String expected) {
        assertTrue(node.has(name), where + " lacks " + name + ": " + node);
        JsonNode value = node.get(name);
        assertTrue(type.test(value), where + ": " + name + " must be " + expected + ", is " + value);
        return value;
    }

    private static String text(JsonNode node, String name, String where) {
        String value = field(node, name, where, JsonNode::isTextual, "a string").asText();
        assertFalse(value.isEmpty(), where + ": " + name + " is empty");
        return value;
    }

    private static void positiveInteger(JsonNode node, String name, String where) {
        long value = field(node, name, where, JsonNode::isIntegralNumber, "an integer").asLong();
        assertTrue(value > 0, where + ": " + name + " is " + value);
    }

    private static void arrayOf(JsonNode node, String name, String where, Predicate<JsonNode> item) {
        JsonNode array = field(node, name, where, JsonNode::isArray, "an array");
        array.forEach(i -> assertTrue(item.test(i), where + ": " + name + " holds " + i));
    }

    /** ISO 8601 with an offset, as in {@code 2020-11-14T16:29:21Z}. */
    private static void dateTime(JsonNode node, String name, String where) {
        String value = text(node, name, where);
        try {
            DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(value);
        } catch (RuntimeException e) {
            fail(where + ": " + name + " is not a date-time: " + value);
        }
    }
}
