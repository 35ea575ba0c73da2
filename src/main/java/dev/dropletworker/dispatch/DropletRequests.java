package dev.dropletworker.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.CreateAccepted;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.Droplet;
import dev.dropletworker.job.Job;
import dev.dropletworker.job.JobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
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
    /** Allowance for clock skew between the database and DigitalOcean when matching an earlier action. */
    private static final Duration CLOCK_SLACK = Duration.ofSeconds(30);
    /** Pages of the account's action list read when looking for a lost bulk action's actions. */
    private static final int MAX_ACTION_PAGES = 5;

    private final DigitalOcean api;
    private final ObjectMapper mapper;
    private final EntityManager em;
    private final JobStore jobs;

    DropletRequests(DigitalOcean api, ObjectMapper mapper, EntityManager em, JobStore jobs) {
        this.api = api;
        this.mapper = mapper;
        this.em = em;
        this.jobs = jobs;
    }

    /** This pod's claim on a job: who holds it and for how long a renewal lasts. */
    record Claim(String owner, Duration lease) {
    }

    /** The claim ran out before the POST; another pod may already be submitting the job. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost() {
            super("submission lease lost before sending", null, false, false);
        }
    }

    /** Renews the lease right before a POST, so that two pods never both send one job's request. */
    private void beforeSending(Job job, Claim claim) {
        if (!jobs.markSending(job.id, claim.owner(), claim.lease())) {
            throw new LeaseLost();
        }
    }

    static String jobTag(Job job) {
        return JOB_TAG_PREFIX + job.id;
    }

    /**
     * A first attempt is one POST. After a lost answer, the look for its action and the POST that
     * follows if nothing turns up take their budget together: under a scarce budget, a look paid
     * for on its own would use up every round and the POST would never be reached.
     */
    Submitted submitAction(Job job, Claim claim) {
        if (job.unconfirmedSince == null) {
            return postAction(job, claim);
        }
        return api.withBudgetFor(job.account, 2, holder(job), () -> {
            Optional<Action> earlier = findUnconfirmedAction(job, job.dropletId);
            if (earlier.isPresent()) {
                return new Submitted(List.of(earlier.get()), null, "found action " + earlier.get().id()
                        + " of an unconfirmed attempt");
            }
            return postAction(job, claim);
        });
    }

    private Submitted postAction(Job job, Claim claim) {
        beforeSending(job, claim);
        Action action = api.postAction(job.account, job.dropletId, job.request);
        return new Submitted(List.of(action), null, "action " + action.id() + " started");
    }

    /**
     * After a lost answer, the account's recent actions are searched for ones of this type on the
     * tagged Droplets that no job follows: a bulk request acts on every tagged Droplet or none, so
     * finding any means it ran. Two reads whatever the number of Droplets (more only when the
     * account started over 200 actions since), budgeted together with the POST.
     */
    Submitted submitTagAction(Job job, Claim claim) {
        if (job.unconfirmedSince == null) {
            return postTagAction(job, claim);
        }
        return api.withBudgetFor(job.account, 3, holder(job), () -> {
            Set<Long> tagged = new HashSet<>();
            api.listDropletsByTag(job.account, job.tagName).forEach(d -> tagged.add(d.id()));
            String type = job.request.path("type").asText();
            List<Action> earlier = notYetFollowed(api.listActionsSince(job.account, lookBackFrom(job), MAX_ACTION_PAGES)
                    .stream()
                    .filter(a -> type.equals(a.type()) && a.resourceId() != null && tagged.contains(a.resourceId()))
                    .toList());
            if (!earlier.isEmpty()) {
                return new Submitted(earlier, null, "found " + earlier.size() + " actions of an unconfirmed attempt");
            }
            return postTagAction(job, claim);
        });
    }

    private Submitted postTagAction(Job job, Claim claim) {
        beforeSending(job, claim);
        List<Action> actions = api.postTagAction(job.account, job.tagName, job.request);
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
    Optional<Submitted> submitCreate(Job job, Claim claim, boolean settled, boolean mayPost) {
        if (job.unconfirmedSince == null) {
            return Optional.of(postCreate(job, claim));
        }
        int requests = 1 + expectedDroplets(job) + (mayPost && settled ? 1 : 0);
        return api.withBudgetFor(job.account, requests, holder(job), () -> {
            List<Droplet> existing = api.listDropletsByTag(job.account, jobTag(job));
            if (!existing.isEmpty()) {
                List<Action> actions = new ArrayList<>();
                for (Droplet droplet : existing) {
                    api.listDropletActions(job.account, droplet.id(), 20).stream()
                            .filter(a -> "create".equals(a.type())).findFirst().ifPresent(actions::add);
                }
                // The listing can lag behind the create: take a partial picture only once settled.
                boolean complete = existing.size() == expectedDroplets(job) && actions.size() == existing.size();
                if (!complete && !settled) {
                    return Optional.<Submitted>empty();
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

    private Submitted postCreate(Job job, Claim claim) {
        ObjectNode request = job.request.deepCopy();
        ArrayNode tags = request.has("tags") && request.get("tags").isArray()
                ? (ArrayNode) request.get("tags") : request.putArray("tags");
        tags.add(jobTag(job));
        beforeSending(job, claim);
        CreateAccepted accepted = api.createDroplets(job.account, request);
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
    private static String holder(Job job) {
        return job.id.toString();
    }

    /** Earlier attempts of a job started no sooner than its first claim (less the clock slack). */
    private static Instant lookBackFrom(Job job) {
        return job.firstSubmittingAt.minus(CLOCK_SLACK);
    }

    private static int expectedDroplets(Job job) {
        return job.request.has("names") ? job.request.get("names").size() : 1;
    }

    /**
     * An action of the requested type, started since this job was first claimed, that no job
     * follows: commands for one Droplet run one at a time, so it can only be this job's.
     */
    private Optional<Action> findUnconfirmedAction(Job job, long dropletId) {
        String type = job.request.path("type").asText();
        Instant since = lookBackFrom(job);
        List<Action> candidates = api.listDropletActions(job.account, dropletId, 20).stream()
                .filter(a -> type.equals(a.type()) && a.startedAt() != null && !a.startedAt().isBefore(since))
                .toList();
        return notYetFollowed(candidates).stream().findFirst();
    }

    /**
     * The actions no job follows yet, in their order, looked up in one query: an action some job
     * already follows is not the answer to this one's lost request.
     */
    @Transactional
    List<Action> notYetFollowed(List<Action> actions) {
        if (actions.isEmpty()) {
            return actions;
        }
        Set<Long> followed = new HashSet<>(em.createQuery(
                        "select a.actionId from JobAction a where a.actionId in :ids", Long.class)
                .setParameter("ids", actions.stream().map(Action::id).toList())
                .getResultList());
        return actions.stream().filter(a -> !followed.contains(a.id())).toList();
    }
}
