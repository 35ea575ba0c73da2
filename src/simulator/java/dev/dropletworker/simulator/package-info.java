/**
 * A DigitalOcean API simulator for tests, the local run and benchmarks, following the documented
 * API contract. A program of its own ({@code src/simulator/java}, built into
 * {@code target/droplet-simulator.jar}): no class of the worker depends on it, and it depends on
 * nothing but Vert.x and Jackson. {@link dev.dropletworker.simulator.SimulatorControl} drives its
 * control API.
 *
 * <h2>Starting it</h2>
 * In a test: {@code DigitalOceanSimulator.start(SimulatorConfig.builder().token("t").build())},
 * then point the client at {@code baseUrl()}. Standalone, until Ctrl-C:
 * <pre>
 * ./mvnw -Psimulator -Dexec.args="--port 8089 --token dop_v1_local --action-duration-ms 2000"
 * ./mvnw -Psimulator -Dexec.args="--port 8089 --token t --action-duration reboot=10000-30000"
 * java -jar target/droplet-simulator.jar --port 8089 --token dop_v1_local     (after ./mvnw package)
 * </pre>
 * ({@code --help} lists every flag.) Without any {@code --token}, every bearer token is accepted.
 *
 * <h2>API</h2>
 * {@code POST /v2/droplets} (202), {@code GET /v2/droplets}, {@code GET /v2/droplets/{id}},
 * {@code POST /v2/droplets/{id}/actions} (201), {@code POST /v2/droplets/actions?tag_name=} (201,
 * eight bulk types), {@code GET /v2/droplets/{id}/actions[/{action_id}]}, {@code GET /v2/actions[/{id}]}.
 * Choices where the reference leaves room:
 * <ul>
 * <li>A Droplet is {@code locked} while any action on it runs, its create included. A second
 *     action on it gets 422 "Droplet already has a pending event."; a tag action whose tag holds a
 *     busy Droplet is refused as a whole with 422 "there are currently blocking events processing
 *     for one or more of the droplets" (reference §4).</li>
 * <li>A resize of an {@code active} Droplet gets 422 "Droplet is currently on. Please power it off
 *     to run this event."; an {@code off} one is resized (and stays off).</li>
 * <li>An errored create removes its Droplet (later reads are 404); other errored actions change nothing.</li>
 * <li>IPv6 addresses are assigned only with {@code ipv6: true} or {@code enable_ipv6}: in
 *     {@code 2604:a880:800:10::/64} with the Droplet id as interface id, RFC 5952 text form. IPv4
 *     addresses come from 198.18.0.0/15 (public) and 10.10.0.0/16 (private) in creation order:
 *     unique until a pool wraps (131,069 and 65,534 Droplets).</li>
 * <li>Unparseable JSON is 400 {@code bad_request}; every other invalid request is 422.</li>
 * <li>{@code ratelimit-remaining} is the hourly remainder, or 0 while the minute window is full;
 *     refused requests are not counted. Windows are exact to the millisecond.</li>
 * </ul>
 *
 * <h2>Control API ({@code /_sim/}, no auth, not rate-limited, not accounted)</h2>
 * <ul>
 * <li>{@code POST droplets} {@code {"id"?,"name","tags","status","region","size","image","ipv6"}}
 *     → 201 {@code {"droplet":{...}}}: a settled Droplet with networks.</li>
 * <li>{@code POST droplets/{id}/next-action-outcome}, {@code POST next-create-outcome}
 *     {@code {"status":"errored"|"completed"}} → 204.</li>
 * <li>{@code GET|PUT faults}: {@code server_error_rate}, {@code drop_connection_rate},
 *     {@code applied_but_lost_rate}, {@code applied_but_lost_response} ({@code server_error}|{@code reset}),
 *     {@code latency_ms {fixed,jitter}}, {@code not_found_after_create_ms}, {@code errored_probability},
 *     {@code endpoints} (e.g. {@code ["POST /v2/droplets"]}; empty means all). PUT merges: fields not
 *     given keep their value.</li>
 * <li>{@code POST faults/script} {@code [{"endpoint":"POST /v2/droplets/{id}/actions",
 *     "fault":"server_error","status":503,"times":4},{"endpoint":"POST /v2/droplets/{id}/actions",
 *     "fault":"applied_but_lost"}]} → 200 {@code {"script":[...]}}: exact faults for the next
 *     requests of an endpoint, each taken once, in order, by the next request of that endpoint
 *     that passed authentication and the rate limit and matches the step's optional
 *     {@code droplet_id} (path), {@code tag_name} (query) or {@code name} (a create's name or
 *     names). Faults: {@code server_error} (500, or {@code status} 503, documented body, not
 *     applied), {@code reset} (connection closed, not applied), {@code applied_but_lost}
 *     (applied, whatever it answered, then 500/503), {@code applied_but_lost_reset} (applied,
 *     connection closed), and for {@code POST /v2/droplets} {@code partial_create} with
 *     {@code count} (only the first {@code count} names are created, each with its create
 *     action and the request's tags, then 500/503). A request that takes a step gets no random
 *     fault. A bad step refuses the whole script (400). {@code GET faults/script} lists the steps
 *     left, {@code DELETE faults/script} drops them, as does {@code reset}. The request log's
 *     {@code fault} names the fault that answered each request.</li>
 * <li>{@code GET|PUT|PATCH action-durations} {@code {"default":ms,"<type>":ms}}, or a range per
 *     type {@code {"reboot":{"min_ms":10000,"max_ms":30000}}} that each action draws from uniformly
 *     (seeded by the config seed, reseeded by {@code reset}, so the same requests get the same
 *     durations); types not named keep theirs. {@code GET|PUT rate-limits} {@code {"hourly":n,"minute":n}}.</li>
 * <li>{@code GET accounting}: {@code requests} by token, method, endpoint and status;
 *     {@code too_many_requests}; {@code pending_event_conflicts} (pending- and blocking-event
 *     422s) with {@code _by_endpoint} and {@code _by_droplet}; {@code droplets_created_per_tag};
 *     {@code max_in_progress_actions_per_droplet}; {@code faults_injected} (random) and
 *     {@code scripted_faults_injected} (by script fault); and {@code per_token}
 *     {@code {"token-1":{"accepted","too_many_requests","peak_minute","peak_hour"}}}, the most
 *     requests accepted in any sliding 60 s and 3,600 s window, exact to the millisecond and
 *     counted apart from the limiter (a check on it), keeping only the last hour's request times.</li>
 * <li>{@code GET requests?since=seq[&limit=n]} (last 10,000 API requests,
 *     {@code user_data} replaced by its size, tokens by labels), {@code POST reset},
 *     {@code GET clock}, {@code POST clock/advance {"seconds":n,"millis":n}}.</li>
 * </ul>
 *
 * <h2>Throughput</h2>
 * {@code dev.dropletworker.tools.benchmark.SimulatorBenchmark} measures simple GETs; its javadoc has the commands.
 */
package dev.dropletworker.simulator;
