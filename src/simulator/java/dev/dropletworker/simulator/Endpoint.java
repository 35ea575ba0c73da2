package dev.dropletworker.simulator;

import java.util.Arrays;
import java.util.List;

/** The simulated API operations, named by method and path template as accounting reports them. */
enum Endpoint {
    LIST_DROPLETS("GET", "/v2/droplets"),
    CREATE_DROPLETS("POST", "/v2/droplets"),
    GET_DROPLET("GET", "/v2/droplets/{id}"),
    LIST_DROPLET_ACTIONS("GET", "/v2/droplets/{id}/actions"),
    POST_DROPLET_ACTION("POST", "/v2/droplets/{id}/actions"),
    POST_TAG_ACTION("POST", "/v2/droplets/actions"),
    GET_DROPLET_ACTION("GET", "/v2/droplets/{id}/actions/{action_id}"),
    LIST_ACTIONS("GET", "/v2/actions"),
    GET_ACTION("GET", "/v2/actions/{id}");

    /** Accounting's endpoint for a path that matches no operation. */
    static final String UNMATCHED = "(unmatched)";

    final String method;
    final String template;
    private final String label;

    Endpoint(String method, String template) {
        this.method = method;
        this.template = template;
        this.label = method + " " + template;
    }

    /** How fault targeting names the endpoint: {@code "GET /v2/actions/{id}"}. */
    String label() {
        return label;
    }

    /** Requests that change state, and so can be "applied but lost". */
    boolean mutating() {
        return method.equals("POST");
    }

    static Endpoint byLabel(String label) {
        return Arrays.stream(values()).filter(e -> e.label().equals(label)).findFirst().orElse(null);
    }

    static List<String> labels() {
        return Arrays.stream(values()).map(Endpoint::label).toList();
    }

    /**
     * A request resolved to an operation. {@code id} and {@code actionId} are -1 when the path
     * has a segment that is not a positive integer: the operation is known, the resource is not.
     */
    record Match(Endpoint endpoint, long id, long actionId) {
        boolean idsValid() {
            return id != -1 && actionId != -1;
        }
    }

    static Match match(String method, String path) {
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String[] s = path.split("/");
        // s[0] is the empty segment before the leading slash.
        if (s.length < 3 || !s[0].isEmpty() || !s[1].equals("v2")) {
            return null;
        }
        boolean get = method.equals("GET");
        boolean post = method.equals("POST");
        if (s[2].equals("droplets")) {
            if (s.length == 3) {
                return get ? new Match(LIST_DROPLETS, 0, 0) : post ? new Match(CREATE_DROPLETS, 0, 0) : null;
            }
            if (s.length == 4 && s[3].equals("actions")) {
                return post ? new Match(POST_TAG_ACTION, 0, 0) : null;
            }
            long id = positive(s[3]);
            if (s.length == 4) {
                return get ? new Match(GET_DROPLET, id, 0) : null;
            }
            if (!s[4].equals("actions")) {
                return null;
            }
            if (s.length == 5) {
                return get ? new Match(LIST_DROPLET_ACTIONS, id, 0) : post ? new Match(POST_DROPLET_ACTION, id, 0) : null;
            }
            if (s.length == 6) {
                return get ? new Match(GET_DROPLET_ACTION, id, positive(s[5])) : null;
            }
            return null;
        }
        if (s[2].equals("actions") && get) {
            if (s.length == 3) {
                return new Match(LIST_ACTIONS, 0, 0);
            }
            if (s.length == 4) {
                return new Match(GET_ACTION, positive(s[3]), 0);
            }
        }
        return null;
    }

    /** Any id up to {@link Long#MAX_VALUE}, the largest a seeded Droplet can have. */
    private static long positive(String segment) {
        if (segment.isEmpty() || segment.length() > 19) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c < '0' || c > '9' || value > (Long.MAX_VALUE - (c - '0')) / 10) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value > 0 ? value : -1;
    }
}
