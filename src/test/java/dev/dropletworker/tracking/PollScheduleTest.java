package dev.dropletworker.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When tracking reads an action, and when it stops trying. */
class PollScheduleTest {

    private static final PollSchedule SCHEDULE = new PollSchedule(new TestTrackingConfig(3));

    @Test
    void aNewActionOfATypeNotSeenFinishingIsFirstReadAfterTheConfiguredFirstPoll() {
        assertEquals(Duration.ofSeconds(5), SCHEDULE.untilFirstPoll(null));
    }

    @ParameterizedTest(name = "observed median {0} ms: first poll after {1} ms")
    @CsvSource({"20000, 20000", "3600000, 3600000", "2500, 2500", "200, 1000", "0, 1000"})
    void aNewActionOfATypeSeenFinishingIsFirstReadAfterItsMedianButNotBeforeTheNextRound(long median, long first) {
        assertEquals(Duration.ofMillis(first), SCHEDULE.untilFirstPoll(Duration.ofMillis(median)));
    }

    @ParameterizedTest(name = "after {0} polls: {1} ms")
    @CsvSource({"1, 3000", "2, 6000", "3, 12000", "4, 15000", "40, 15000"})
    void pollsDoubleFromTheMinimumUpToTheCap(int polls, long millis) {
        assertEquals(Duration.ofMillis(millis), SCHEDULE.untilNextPoll(polls));
    }

    @Test
    void aFailedReadBacksOffLikeAPoll() {
        assertEquals(Duration.ofSeconds(3), SCHEDULE.afterFailedPoll(1));
        assertEquals(Duration.ofSeconds(6), SCHEDULE.afterFailedPoll(2));
    }

    @ParameterizedTest(name = "{0} failures, transient {1}: gives up {2}")
    @CsvSource({"1, false, false", "2, false, false", "3, false, true", "3, true, false", "9, true, false",
            "10, true, true"})
    void permanentAnswersGiveUpSoonerThanPassingOnes(int failures, boolean transientError, boolean givesUp) {
        assertEquals(givesUp, SCHEDULE.givesUp(failures, transientError));
    }

    @Test
    void aRateLimitedReadWaitsForRetryAfterOrTheMinimumInterval() {
        assertEquals(Duration.ofSeconds(20), SCHEDULE.afterRateLimit(Duration.ofSeconds(20)));
        assertEquals(Duration.ofSeconds(3), SCHEDULE.afterRateLimit(null));
    }

    @Test
    void theAccountListIsReadFromTheThresholdOnAndNeverForMorePagesThanTheReadsItReplaces() {
        assertFalse(SCHEDULE.readsFromList(2));
        assertTrue(SCHEDULE.readsFromList(3));
        assertEquals(1, SCHEDULE.listPagesFor(1));
        assertEquals(1, SCHEDULE.listPagesFor(2));
        assertEquals(11, SCHEDULE.listPagesFor(12));
        PollSchedule off = new PollSchedule(new TestTrackingConfig(0));
        assertFalse(off.listReadsEnabled());
        assertFalse(off.readsFromList(1_000));
    }

    @Test
    void aListReadStartsOnPageOneWhileItsPagesReachTheDueActionsAndFurtherDownOnceTheyDoNot() {
        // Due actions on page 1, or within the read's pages of it: from page 1.
        assertEquals(1, PollSchedule.firstListPage(0, 40, 1, 200));
        assertEquals(1, PollSchedule.firstListPage(210, 213, 2, 200));
        assertEquals(1, PollSchedule.firstListPage(1_000, 1_049, 49, 200));
        // Beyond them: the latest start that still reaches the oldest due action.
        assertEquals(2, PollSchedule.firstListPage(210, 212, 1, 200));
        assertEquals(43, PollSchedule.firstListPage(18_000, 18_049, 49, 200));
        assertEquals(81, PollSchedule.firstListPage(16_000, 16_120, 1, 200));
        // Due actions spread over more pages than a read takes: from the newest one's page.
        assertEquals(11, PollSchedule.firstListPage(2_000, 19_000, 49, 200));
    }

    @Test
    void anAccountsListIsReadAtMostOncePerIntervalAndDueActionsWaitForTheNextRead() {
        assertEquals(Duration.ofSeconds(6), SCHEDULE.untilNextListRead());
        assertEquals(Duration.ofMillis(4200), SCHEDULE.untilAccountListRead(Duration.ofMillis(4200)));
        assertEquals(Duration.ofSeconds(1), SCHEDULE.untilAccountListRead(Duration.ZERO),
                "due now but taken by another pod a moment ago: the next round");
        assertEquals(Duration.ofSeconds(6), SCHEDULE.untilAccountListRead(null),
                "another pod is reading it now: after the interval it sets");
    }

    @Test
    void eachActionTypeHasItsOwnTimeoutAndTheRestTheDefault() {
        assertEquals(Duration.ofHours(12), SCHEDULE.timeout("snapshot"));
        assertEquals(Duration.ofMinutes(30), SCHEDULE.timeout("reboot"));
        assertEquals(Duration.ofMinutes(60), SCHEDULE.timeout("rename"), "not named: the default");
        assertEquals(Duration.ofMinutes(30), SCHEDULE.shortestTimeout());
    }

    /** The production defaults, with a chosen list-read threshold. */
    private record TestTrackingConfig(int listReadThreshold) implements TrackingConfig {
        @Override
        public Map<String, Duration> timeouts() {
            return Map.of("snapshot", Duration.ofHours(12), "reboot", Duration.ofMinutes(30));
        }

        @Override
        public Duration holdAfterTimeout() {
            return Duration.ofHours(12);
        }

        @Override
        public Duration interval() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration firstPoll() {
            return Duration.ofSeconds(5);
        }

        @Override
        public Duration minPollInterval() {
            return Duration.ofSeconds(3);
        }

        @Override
        public Duration maxPollInterval() {
            return Duration.ofSeconds(15);
        }

        @Override
        public Duration timeout() {
            return Duration.ofMinutes(60);
        }

        @Override
        public Duration dropletReadGrace() {
            return Duration.ofMinutes(2);
        }

        @Override
        public Duration lease() {
            return Duration.ofSeconds(30);
        }

        @Override
        public int batchSize() {
            return 50;
        }

        @Override
        public Duration listReadInterval() {
            return Duration.ofSeconds(6);
        }

        @Override
        public int maxPollFailures() {
            return 10;
        }
    }
}
