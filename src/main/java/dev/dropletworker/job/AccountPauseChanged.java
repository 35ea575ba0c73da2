package dev.dropletworker.job;

/**
 * A CDI event: an operator paused or resumed an account on this pod. Observed after success by
 * whatever shows the pause (the gauges); other pods see it at their next refresh.
 */
public record AccountPauseChanged(String account, boolean paused) {
}
