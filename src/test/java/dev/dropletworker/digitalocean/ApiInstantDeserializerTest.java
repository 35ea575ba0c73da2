package dev.dropletworker.digitalocean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ApiInstantDeserializerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule());

    @Test
    void everySecondItReadsIsTheOneJavaReads() {
        Random random = new Random(20261204);
        long from = Instant.parse("1970-01-01T00:00:00Z").getEpochSecond();
        long to = Instant.parse("2200-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(from + (long) (random.nextDouble() * (to - from)));
            String text = DateTimeFormatter.ISO_INSTANT.format(instant);
            assertEquals(Instant.parse(text), ApiInstantDeserializer.parse(text), text);
        }
        for (String text : new String[] {"2024-02-29T23:59:59Z", "2000-02-29T00:00:00Z", "2023-12-31T23:59:59Z",
                "2024-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
            assertEquals(Instant.parse(text), ApiInstantDeserializer.parse(text), text);
        }
    }

    @Test
    void anyOtherFormIsLeftToJackson() {
        for (String text : new String[] {"2023-07-21T01:48:05.123Z", "2023-07-21T01:48:05+02:00", "2023-07-21T01:48:05z",
                "2023-07-21 01:48:05Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2023-04-31T00:00:00Z",
                "2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z", "2023-07-00T00:00:00Z", "2023-07-21T24:00:00Z",
                "2023-07-21T01:60:05Z", "2023-07-21T23:59:60Z", "2023-07-2aT01:48:05Z", "+2023-07-21T01:48:05Z",
                "2023-07-21T01:48:05", "", "-023-07-21T01:48:05Z"}) {
            assertNull(ApiInstantDeserializer.parse(text), text);
        }
    }

    @Test
    void anActionReadsItsTimesAsJacksonWouldHave() throws Exception {
        Action action = MAPPER.readValue("""
                {"id":1845190571,"status":"completed","type":"create","started_at":"2023-07-21T01:48:05Z",
                 "completed_at":"2023-07-21T01:49:05.250Z","resource_id":366234478,"resource_type":"droplet",
                 "region_slug":"sgp1","region":{"slug":"sgp1"}}""", Action.class);

        assertEquals(Instant.parse("2023-07-21T01:48:05Z"), action.startedAt());
        assertEquals(Instant.parse("2023-07-21T01:49:05.250Z"), action.completedAt(), "a fraction, read by Jackson");
        Action running = MAPPER.readValue("""
                {"id":1,"status":"in-progress","started_at":"2023-07-21T01:48:05Z","completed_at":null}""",
                Action.class);
        assertNull(running.completedAt());
        assertEquals(Instant.parse("2023-07-21T01:48:05Z"), running.startedAt());
        assertThrows(JsonMappingException.class, () -> MAPPER.readValue("""
                {"id":1,"status":"in-progress","started_at":"2023-02-30T01:48:05Z"}""", Action.class),
                "a date that does not exist is refused, as Jackson refuses it");
    }
}
