package dev.dropletworker.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.dropletworker.budget.BudgetConfig;
import dev.dropletworker.digitalocean.DigitalOcean;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.digitalocean.DigitalOceanConfig;
import dev.dropletworker.job.AccountPause;
import dev.dropletworker.job.AccountPauses;
import dev.dropletworker.job.JobQueries;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The DigitalOcean accounts: their rate budget, their waiting jobs, and pausing their dispatch. */
@Path("/api/v1/accounts")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Accounts", description = "Each configured DigitalOcean account (token): budget, waiting jobs, pause")
@SecurityRequirement(name = OperatorApiDefinition.API_KEY)
@SecurityRequirement(name = OperatorApiDefinition.BEARER)
@APIResponse(responseCode = "401", description = OperatorApiDefinition.UNAUTHORIZED)
@APIResponse(responseCode = "403", description = OperatorApiDefinition.FORBIDDEN)
public class AccountsResource {

    private final DigitalOceanConfig digitalOcean;
    private final DigitalOceanAccounts tokens;
    private final DigitalOcean api;
    private final BudgetConfig budgetConfig;
    private final AccountPauses pauses;
    private final JobQueries queries;
    private final SecurityIdentity identity;

    AccountsResource(DigitalOceanConfig digitalOcean, DigitalOceanAccounts tokens, DigitalOcean api,
            BudgetConfig budgetConfig, AccountPauses pauses, JobQueries queries,
            SecurityIdentity identity) {
        this.digitalOcean = digitalOcean;
        this.tokens = tokens;
        this.api = api;
        this.budgetConfig = budgetConfig;
        this.pauses = pauses;
        this.queries = queries;
        this.identity = identity;
    }

    /** Why an account is paused, as the operator says it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(name = "PauseRequest")
    record PauseRequest(@Schema(description = "Shown with the pause, e.g. token revoked, INC-123") String reason) {
    }

    @GET
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "Every account: rate budget, paused or not, waiting jobs",
            description = "The configured accounts, and any other account an operator paused")
    @APIResponse(responseCode = "200", description = "The accounts, default first")
    public List<AccountStatus> list() {
        Map<String, AccountPause> paused = pauses.all();
        Set<String> names = new LinkedHashSet<>(configuredNames());
        names.addAll(paused.keySet());
        List<AccountStatus> statuses = new ArrayList<>();
        names.forEach(name -> statuses.add(status(name, paused.get(name))));
        return statuses;
    }

    @GET
    @Path("{account}")
    @RolesAllowed(Role.READ_NAME)
    @Operation(summary = "One account")
    @APIResponse(responseCode = "200", description = "The account")
    @APIResponse(responseCode = "404", description = "No such account",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public AccountStatus one(@PathParam("account") String account) {
        AccountPause pause = pauses.all().get(account);
        if (pause == null && !tokens.isConfigured(account)) {
            throw noAccount(account);
        }
        return status(account, pause);
    }

    @POST
    @Path("{account}/pause")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OPERATE_NAME)
    @Operation(summary = "Pause dispatch for an account",
            description = "Commands are still taken in and wait as received; no request is sent for the account's "
                    + "jobs until it is resumed. Polls of actions already running go on. Readiness stays UP; the "
                    + "pause shows in readiness data and in dropletworker_account_paused.")
    @RequestBody(required = false, content = @Content(schema = @Schema(implementation = PauseRequest.class)))
    @APIResponse(responseCode = "200", description = "The account, paused (a second pause keeps the first)")
    @APIResponse(responseCode = "404", description = "No such account",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public AccountStatus pause(@PathParam("account") String account, PauseRequest request) {
        if (!tokens.isConfigured(account)) {
            throw noAccount(account);
        }
        String reason = request == null || request.reason() == null || request.reason().isBlank() ? null
                : request.reason().strip();
        if (reason != null && reason.length() > 500) {
            throw ApiProblem.badRequest("reason is at most 500 characters");
        }
        return status(account, pauses.pause(account, Caller.of(identity), reason));
    }

    @POST
    @Path("{account}/resume")
    @RolesAllowed(Role.OPERATE_NAME)
    @Operation(summary = "Resume dispatch for a paused account", description = "Its waiting jobs are claimed again, in order")
    @APIResponse(responseCode = "200", description = "The account, no longer paused (resuming one not paused is a no-op)")
    @APIResponse(responseCode = "404", description = "No such account",
            content = @Content(schema = @Schema(implementation = ApiProblem.Body.class)))
    public AccountStatus resume(@PathParam("account") String account) {
        boolean wasPaused = pauses.resume(account, Caller.of(identity));
        if (!wasPaused && !tokens.isConfigured(account)) {
            throw noAccount(account);
        }
        return status(account, null);
    }

    private AccountStatus status(String account, AccountPause pause) {
        AccountStatus.Budget shown = api.budgetOf(account).map(left -> new AccountStatus.Budget(
                (int) Math.floor(left.minute()), budgetConfig.perMinute(), (int) Math.floor(left.hour()),
                budgetConfig.perHour(), left.pausedFor().isZero() ? null : Instant.now().plus(left.pausedFor())))
                .orElse(null);
        return new AccountStatus(account, tokens.isConfigured(account), pause != null,
                pause == null ? null : pause.pausedAt(), pause == null ? null : pause.pausedBy(),
                pause == null ? null : pause.reason(), queries.waiting(account), shown);
    }

    private List<String> configuredNames() {
        List<String> names = new ArrayList<>();
        names.add(DigitalOceanAccounts.DEFAULT);
        names.addAll(digitalOcean.accounts().keySet().stream().sorted().toList());
        return names.stream().distinct().filter(tokens::isConfigured).toList();
    }

    private static ApiProblem noAccount(String account) {
        return ApiProblem.notFound("no configured account " + account);
    }
}
