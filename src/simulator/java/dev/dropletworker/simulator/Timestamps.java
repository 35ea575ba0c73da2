package dev.dropletworker.simulator;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The API's date-time form, whole seconds in UTC: {@code 2020-11-14T16:29:21Z}. */
final class Timestamps {

    private Timestamps() {
    }

    static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
