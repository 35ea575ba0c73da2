package dev.dropletworker.simulator;

/**
 * An action as the API returns it ({@code R/actions/models/action.yml}). Immutable: the store
 * replaces it when it finishes, so readers can serialise it without holding the lock.
 */
record Action(long id, String status, String type, String startedAt, String completedAt, Long resourceId,
              String resourceType, Region region, String regionSlug) {

    static final String IN_PROGRESS = "in-progress";
    static final String COMPLETED = "completed";
    static final String ERRORED = "errored";

    Action finish(String outcome, String at) {
        return new Action(id, outcome, type, startedAt, at, resourceId, resourceType, region, regionSlug);
    }
}
