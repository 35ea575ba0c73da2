package dev.dropletworker.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.CreateAccepted;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.Droplet;
import dev.dropletworker.job.JobClaim;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.TrackingLedger;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Sends a job's request to DigitalOcean, first looking for the result of an earlier attempt whose
 * answer was lost (the API has no idempotency key, so a POST is never repeated blindly).
 */
@ApplicationScoped
class DropletRequests {

    /** Every create carries this tag so the worker can find what an unconfirmed attempt made. */
    static final String JOB_TAG_PREFIX = "droplet-worker:job-";
    /** Pages of the account's action list read when looking for a lost bulk action's actions. */
    private static final int MAX_ACTION_PAGES = 5;

    private final DigitalOcean api;
    private final ObjectMapper mapper;
    private final JobStore jobs;
    private final TrackingLedger tracked;

    DropletRequests(DigitalOcean api, ObjectMapper mapper, JobStore jobs, TrackingLedger tracked) {
        this.api = api;
        this.mapper = mapper;
        this.jobs = jobs;
        this.tracked = tracked;
    }

    /** The claim ran out before the POST; another pod may already be submitting the job. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost() {
            super("submission lease lost before sending", null, false, false);
        }
    }

    /** Renews the lease right before a POST, so that two pods never both send one job's request. */
    private void beforeSending(JobClaim claim) {
        if (!jobs.markSending(claim)) {
            throw new LeaseLost();
        }
    }

    static String jobTag(JobView job) {
        return JOB_TAG_PREFIX + job.id();
    }

    /**
     * A first attempt is one POST. After a lost answer, the look for its action and the POST that
     * follows if nothing turns up take their budget together: under a scarce budget, a look paid
     * for on its own would use up every round and the POST would never be reached.
     */
    Submitted submitAction(JobView job, JobClaim claim) {
        if (job.unconfirmedSince() == null) {
            return postAction(job, claim);
        }
        return api.withBudgetFor(job.account(), 2, holder(job), () -> {
            Optional<Action> earlier = findUnconfirmedAction(job);
            if (earlier.isPresent()) {
                return new Submitted(List.of(earlier.get()), null, "found action " + earlier.get().id()
                        + " of an unconfirmed attempt");
            }
            return postAction(job, claim);
        });
    }

    private Submitted postAction(JobView job, JobClaim claim) {
        beforeSending(claim);
        Action action = api.postAction(job.account(), job.dropletId(), job.request());
        return new Submitted(List.of(action), null, "action " + action.id() + " started");
    }

    /**
     * After a lost answer, the account's recent actions are searched for ones of this type on the
     * tagged Droplets that no job follows: a bulk request acts on every tagged Droplet or none, so
     * finding any means it ran. Two reads whatever the number of Droplets (more only when the
     * account started over 200 actions since), budgeted together with the POST.
     */
    Submitted submitTagAction(JobView job, JobClaim claim) {
        if (job.unconfirmedSince() == null) {
            return postTagAction(job, claim);
        }
        return api.withBudgetFor(job.account(), 3, holder(job), () -> {
            Set<Long> tagged = new HashSet<>();
            api.listDropletsByTag(job.account(), job.tagName()).forEach(d -> tagged.add(d.id()));
            String type = job.actionType();
            List<Action> earlier = notYetFollowed(
                    api.listActionsSince(job.account(), job.firstSubmittingAt(), MAX_ACTION_PAGES).stream()
                            .filter(a -> type.equals(a.type()) && a.resourceId() != null
                                    && tagged.contains(a.resourceId()))
                            .toList());
            if (!earlier.isEmpty()) {
                return new Submitted(earlier, null, "found " + earlier.size() + " actions of an unconfirmed attempt");
            }
            return postTagAction(job, claim);
        });
    }

    private Submitted postTagAction(JobView job, JobClaim claim) {
        beforeSending(claim);
        List<Action> actions = api.postTagAction(job.account(), job.tagName(), job.request());
        return new Submitted(actions, null, actions.size() + " actions started");
    }

    /**
     * A first attempt is one POST. After a lost answer: the Droplets carrying the job's tag, each
     * one's create action, and the POST if none exist, all on budget taken together.
     *
     * @param settled an unconfirmed create had time enough to show up in the tag listing
     * @param mayPost false for a last look after the final attempt: adopt what exists, never create
     * @return the submission, or empty when nothing was found and it is too early (or too late) to
     *     create again
     */
    Optional<Submitted> submitCreate(JobView job, JobClaim claim, boolean settled, boolean mayPost) {
        if (job.unconfirmedSince() == null) {
            return Optional.of(postCreate(job, claim));
        }
        int requests = 1 + job.dropletCount() + (mayPost && settled ? 1 : 0);
        return api.withBudgetFor(job.account(), requests, holder(job), () -> {
            List<Droplet> existing = api.listDropletsByTag(job.account(), jobTag(job));
            if (!existing.isEmpty()) {
                List<Action> actions = new ArrayList<>();
                for (Droplet droplet : existing) {
                    api.listDropletActions(job.account(), droplet.id(), 20).stream()
                            .filter(a -> "create".equals(a.type())).findFirst().ifPresent(actions::add);
                }
                // The listing can lag behind the create: take a partial picture only once settled.
                boolean complete = existing.size() == job.dropletCount() && actions.size() == existing.size();
                if (!complete && !settled) {
                    return Optional.<Submitted>empty();
                }
                List<String> missing = missingNames(job, existing);
                if (job.generation() > 1 && mayPost && !missing.isEmpty()) {
                    // An operator's retry creates only the names no Droplet of the job carries yet.
                    return Optional.of(adoptAndCreate(job, claim, existing, actions, missing));
                }
                return Optional.of(new Submitted(actions, mapper.valueToTree(existing),
                        "found " + existing.size() + " Droplets of an unconfirmed attempt"));
            }
            if (!settled || !mayPost) {
                return Optional.<Submitted>empty();
            }
            return Optional.of(postCreate(job, claim));
        });
    }

    /** The requested names for which the tag lookup found no Droplet. */
    private static List<String> missingNames(JobView job, List<Droplet> existing) {
        Set<String> found = new HashSet<>();
        existing.forEach(d -> found.add(d.name()));
        List<String> missing = new ArrayList<>();
        if (job.request().has("names")) {
            job.request().get("names").forEach(n -> {
                if (!found.remove(n.asText())) {
                    missing.add(n.asText());
                }
            });
        } else if (existing.isEmpty()) {
            missing.add(job.request().path("name").asText());
        }
        return missing;
    }

    /** The Droplets found, and one create for the names missing: one job, one event for all. */
    private Submitted adoptAndCreate(JobView job, JobClaim claim, List<Droplet> existing, List<Action> found,
            List<String> missing) {
        ObjectNode request = (ObjectNode) job.request();
        ArrayNode names = request.putArray("names");
        missing.forEach(names::add);
        Submitted created = postCreate(job, claim, request);
        List<Action> actions = new ArrayList<>(found);
        actions.addAll(created.actions());
        ArrayNode droplets = mapper.valueToTree(existing);
        created.droplets().forEach(droplets::add);
        return new Submitted(actions, droplets, "found " + existing.size() + " Droplets of an earlier generation; "
                + created.detail());
    }

    private Submitted postCreate(JobView job, JobClaim claim) {
        return postCreate(job, claim, (ObjectNode) job.request());
    }

    private Submitted postCreate(JobView job, JobClaim claim, ObjectNode request) {
        ArrayNode tags = request.has("tags") && request.get("tags").isArray()
                ? (ArrayNode) request.get("tags") : request.putArray("tags");
        tags.add(jobTag(job));
        beforeSending(claim);
        CreateAccepted accepted = api.createDroplets(job.account(), request);
        List<Action> actions = new ArrayList<>();
        boolean paired = accepted.droplets().size() == accepted.actionIds().size();
        for (int i = 0; i < accepted.actionIds().size(); i++) {
            // The create answer links only the action ids (in Droplet order); the tracker fills in the rest.
            Long dropletId = paired ? accepted.droplets().get(i).id() : null;
            actions.add(new Action(accepted.actionIds().get(i), Action.IN_PROGRESS, "create", null, null, dropletId,
                    "droplet", null));
        }
        return new Submitted(actions, mapper.valueToTree(accepted.droplets()),
                accepted.droplets().size() + " Droplets being created");
    }

    /** Who a budget reservation is for: the job, whichever pod comes back for it. */
    private static String holder(JobView job) {
        return job.id().toString();
    }

    /**
     * An action of the requested type, started since this job was first claimed, that no job
     * follows: commands for one Droplet run one at a time, so it can only be this job's.
     */
    private Optional<Action> findUnconfirmedAction(JobView job) {
        String type = job.actionType();
        List<Action> candidates = api.listDropletActions(job.account(), job.dropletId(), 20).stream()
                .filter(a -> type.equals(a.type()) && a.startedSince(job.firstSubmittingAt()))
                .toList();
        return notYetFollowed(candidates).stream().findFirst();
    }

    /** The actions no job follows yet, in their order: one some job follows is not this one's. */
    private List<Action> notYetFollowed(List<Action> actions) {
        Set<Long> followed = tracked.alreadyFollowed(actions.stream().map(Action::id).toList());
        return actions.stream().filter(a -> !followed.contains(a.id())).toList();
    }
}
