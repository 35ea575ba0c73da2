package dev.dropletworker.dispatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dropletworker.digitalocean.Action;
import dev.dropletworker.digitalocean.CreateAccepted;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.Droplet;
import dev.dropletworker.job.CommandType;
import dev.dropletworker.job.JobClaim;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.TrackingLedger;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

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

    /**
     * What runs right before a POST, committed with its budget: renews the lease, so that two pods
     * never both send one job's request, and stamps the job as sent. A claim the budget turns away
     * is neither.
     */
    private Runnable beforeSending(JobClaim claim) {
        return () -> {
            if (!jobs.markSending(claim)) {
                throw new LeaseLost();
            }
        };
    }

    /**
     * Whether the job's claim is one POST of a job that never sent one: a first attempt of a
     * Droplet action or a create. Such claims of one account may be sent together
     * ({@link #sendingTogether}); the rest look first, or list a tag, each on its own.
     */
    static boolean postsAlone(JobView job) {
        return job.type() != CommandType.TAG_ACTION && job.unconfirmedSince() == null && job.sentAt() == null;
    }

    /**
     * Several claims of one account whose requests are one POST each ({@link #postsAlone}): their
     * sending marks (leases renewed, sent_at stamped) and their budget in one transaction, then
     * {@code step} with the ids of the jobs whose lease still held, to send them with
     * {@link #postMarked} one after the other. Budget the step does not use is given back; a mark
     * whose POST the step does not send it takes back ({@link JobStore#unmarkSending}).
     *
     * @throws dev.dropletworker.budget.BudgetExhausted when the budget does not hold them all: nothing
     *     was marked or taken
     */
    <T> T sendingTogether(String account, List<JobClaim> claims, Function<Set<UUID>, T> step) {
        Set<UUID> marked = new HashSet<>();
        return api.withBudgetAlongside(account, () -> {
            marked.addAll(jobs.markSendingAll(claims));
            return marked.size();
        }, () -> step.apply(Set.copyOf(marked)));
    }

    /** The POST of a claim {@link #sendingTogether} marked. */
    Submitted postMarked(JobView job) {
        if (!postsAlone(job)) {
            throw new IllegalArgumentException("job " + job.id() + " is not one POST of a first attempt");
        }
        return job.type() == CommandType.CREATE
                ? postCreate(job, null, (ObjectNode) job.request(), List.of(), List.of())
                : postAction(job, null);
    }

    static String jobTag(JobView job) {
        return JOB_TAG_PREFIX + job.id();
    }

    /**
     * A first attempt is one POST. After a lost answer, the look for its action and the POST that
     * follows if nothing turns up take their budget together: under a scarce budget, a look paid
     * for on its own would use up every round and the POST would never be reached.
     *
     * @param mayPost false for a last look after the final attempt: adopt what exists, never send
     * @return the submission, or empty when a last look found nothing
     */
    Optional<Submitted> submitAction(JobView job, JobClaim claim, boolean mayPost) {
        if (job.unconfirmedSince() == null) {
            return Optional.of(postAction(job, beforeSending(claim)));
        }
        return api.withBudgetFor(job.account(), mayPost ? 2 : 1, holder(job), () -> {
            Optional<Action> earlier = findUnconfirmedAction(job);
            if (earlier.isPresent()) {
                return Optional.of(new Submitted(List.of(earlier.get()), null, "found action " + earlier.get().id()
                        + " of an unconfirmed attempt"));
            }
            return mayPost ? Optional.of(postAction(job, beforeSending(claim))) : Optional.<Submitted>empty();
        });
    }

    /** @param beforeSending the claim's mark, or null when {@link #sendingTogether} made it */
    private Submitted postAction(JobView job, Runnable beforeSending) {
        Action action = api.postAction(job.account(), job.dropletId(), job.request(), beforeSending);
        return new Submitted(List.of(action), null, "action " + action.id() + " started");
    }

    /**
     * A tag action first lists the tag's Droplets (one read per 200): they become the job's own, so
     * that no id action of the worker's runs on one of them at the same time, and if an earlier job
     * still acts on one of them, nothing is sent yet. After a lost answer, the account's recent
     * actions are searched too, for ones of this type on the tagged Droplets that no job follows: a
     * bulk request acts on every tagged Droplet or none, so finding any means it ran (one more read,
     * more only when the account started over 200 actions since). All on budget taken together.
     *
     * @param mayPost false for a last look after the final attempt: adopt what exists, never send
     * @return the submission, or empty when a last look found nothing
     * @throws Blocked when an earlier job still acts on one of the tag's Droplets
     */
    Optional<Submitted> submitTagAction(JobView job, JobClaim claim, boolean mayPost) {
        boolean unconfirmed = job.unconfirmedSince() != null;
        int requests = 1 + (unconfirmed ? 1 : 0) + (mayPost ? 1 : 0);
        return api.withBudgetFor(job.account(), requests, holder(job), () -> {
            Set<Long> tagged = new HashSet<>();
            api.listDropletsByTag(job.account(), job.tagName()).forEach(d -> tagged.add(d.id()));
            boolean clear = jobs.listTargets(claim, tagged);
            if (unconfirmed) {
                String type = job.actionType();
                List<Action> earlier = notYetFollowed(
                        api.listActionsSince(job.account(), job.firstSubmittingAt(), MAX_ACTION_PAGES).stream()
                                .filter(a -> type.equals(a.type()) && a.resourceId() != null
                                        && tagged.contains(a.resourceId()))
                                .toList());
                if (!earlier.isEmpty()) {
                    return Optional.of(new Submitted(earlier, null,
                            "found " + earlier.size() + " actions of an unconfirmed attempt"));
                }
            }
            if (!mayPost) {
                return Optional.<Submitted>empty();
            }
            if (!clear) {
                throw new Blocked();
            }
            return Optional.of(postTagAction(job, claim));
        });
    }

    /** An earlier job of the worker's still acts on one of a tag action's Droplets: not yet. */
    static final class Blocked extends RuntimeException {
        Blocked() {
            super("an earlier job still acts on one of the tag's Droplets", null, false, false);
        }
    }

    private Submitted postTagAction(JobView job, JobClaim claim) {
        List<Action> actions = api.postTagAction(job.account(), job.tagName(), job.request(), beforeSending(claim));
        return new Submitted(actions, null, actions.size() + " actions started");
    }

    /**
     * A first attempt is one POST. After a lost answer: the Droplets carrying the job's tag and
     * their create actions (two reads, whatever their number), all on budget taken together with a
     * POST for the names still missing.
     * The listing can lag behind a create, so until the lost attempt has settled only a complete
     * picture is taken; once it has, the names the listing does not show are created (each create
     * carrying the job tag), never one it shows, and every Droplet the tag shows is reported.
     *
     * @param settled an unconfirmed create had time enough to show up in the tag listing
     * @param mayPost false for a last look after the final attempt: adopt what exists, never create
     * @return the submission, or empty when nothing was found and it is too early (or too late) to
     *     create again
     */
    Optional<Submitted> submitCreate(JobView job, JobClaim claim, boolean settled, boolean mayPost) {
        if (job.unconfirmedSince() == null) {
            return Optional.of(postCreate(job, beforeSending(claim), (ObjectNode) job.request(), List.of(), List.of()));
        }
        int requests = 2 + (mayPost && settled ? 1 : 0);
        return api.withBudgetFor(job.account(), requests, holder(job), () -> {
            List<Droplet> existing = api.listDropletsByTag(job.account(), jobTag(job));
            List<Action> actions = createActionsOf(job, existing);
            List<String> missing = missingNames(job, existing);
            boolean complete = missing.isEmpty() && actions.size() == existing.size();
            if (complete) {
                return Optional.of(new Submitted(actions, mapper.valueToTree(existing),
                        "found the " + existing.size() + " Droplets of an unconfirmed attempt"));
            }
            if (!settled) {
                return Optional.<Submitted>empty();
            }
            if (!mayPost || missing.isEmpty()) {
                // The last look, or every name exists but a create action is not listed: report what the tag shows.
                return existing.isEmpty() ? Optional.<Submitted>empty() : Optional.of(new Submitted(actions,
                        mapper.valueToTree(existing), "found " + existing.size() + " of " + job.dropletCount()
                        + " Droplets of an unconfirmed attempt"));
            }
            return Optional.of(postCreate(job, beforeSending(claim), withNames(job, missing), existing, actions));
        });
    }

    /**
     * The create action of each Droplet: from the account's recent actions (one read for all of
     * them, where each Droplet's own listing would take one read each), and for any not found there
     * (the account started over 200 actions since), from that Droplet's listing.
     */
    private List<Action> createActionsOf(JobView job, List<Droplet> droplets) {
        if (droplets.isEmpty()) {
            return List.of();
        }
        Set<Long> ids = new HashSet<>();
        droplets.forEach(d -> ids.add(d.id()));
        Map<Long, Action> byDroplet = new HashMap<>();
        api.listActionsSince(job.account(), job.firstSubmittingAt(), 1).stream()
                .filter(a -> "create".equals(a.type()) && a.resourceId() != null && ids.contains(a.resourceId()))
                .forEach(a -> byDroplet.putIfAbsent(a.resourceId(), a));
        List<Action> actions = new ArrayList<>();
        for (Droplet droplet : droplets) {
            Action create = byDroplet.get(droplet.id());
            if (create == null) {
                create = api.listDropletActions(job.account(), droplet.id(), 20).stream()
                        .filter(a -> "create".equals(a.type())).findFirst().orElse(null);
            }
            if (create != null) {
                actions.add(create);
            }
        }
        return actions;
    }

    /** The names of the job's request the listing does not show (DigitalOcean matches names case-insensitively). */
    private static List<String> missingNames(JobView job, List<Droplet> existing) {
        Set<String> shown = new HashSet<>();
        existing.forEach(d -> shown.add(d.name() == null ? "" : d.name().toLowerCase()));
        List<String> missing = new ArrayList<>();
        for (String name : requestedNames(job)) {
            if (!shown.contains(name.toLowerCase())) {
                missing.add(name);
            }
        }
        return missing;
    }

    private static List<String> requestedNames(JobView job) {
        List<String> names = new ArrayList<>();
        if (job.request().hasNonNull("name")) {
            names.add(job.request().get("name").asText());
        }
        job.request().path("names").forEach(n -> names.add(n.asText()));
        return names;
    }

    /** The job's create request for only these names: {@code name} for one, {@code names} for several. */
    private static ObjectNode withNames(JobView job, List<String> names) {
        ObjectNode request = ((ObjectNode) job.request()).deepCopy();
        request.remove("name");
        request.remove("names");
        if (names.size() == 1) {
            request.put("name", names.get(0));
        } else {
            ArrayNode list = request.putArray("names");
            names.forEach(list::add);
        }
        return request;
    }

    /**
     * Creates the Droplets of {@code request}, each carrying the job tag, and reports them together
     * with {@code existing} (Droplets an earlier attempt made) and their create actions.
     */
    private Submitted postCreate(JobView job, Runnable beforeSending, ObjectNode request, List<Droplet> existing,
            List<Action> existingActions) {
        ArrayNode tags = request.has("tags") && request.get("tags").isArray()
                ? (ArrayNode) request.get("tags") : request.putArray("tags");
        tags.add(jobTag(job));
        CreateAccepted accepted = api.createDroplets(job.account(), request, beforeSending);
        List<Action> actions = new ArrayList<>(existingActions);
        boolean paired = accepted.droplets().size() == accepted.actionIds().size();
        for (int i = 0; i < accepted.actionIds().size(); i++) {
            // The create answer links only the action ids (in Droplet order); the tracker fills in the rest.
            Long dropletId = paired ? accepted.droplets().get(i).id() : null;
            actions.add(new Action(accepted.actionIds().get(i), Action.IN_PROGRESS, "create", null, null, dropletId,
                    "droplet", null));
        }
        List<Droplet> all = new ArrayList<>(existing);
        all.addAll(accepted.droplets());
        return new Submitted(actions, mapper.valueToTree(all), existing.isEmpty()
                ? accepted.droplets().size() + " Droplets being created"
                : accepted.droplets().size() + " missing Droplets being created beside the " + existing.size()
                        + " an unconfirmed attempt made");
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
