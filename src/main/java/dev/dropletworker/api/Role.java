package dev.dropletworker.api;

import java.util.Set;

/** What a credential may do with the operator API. */
public enum Role {
    /** Read jobs, counts, accounts, dead letters and parked events. */
    READ,
    /** Everything {@link #READ} may, and retry, cancel, pause, resume, publish again. */
    OPERATE;

    /** Role names as {@code @RolesAllowed} and OIDC role mapping use them. */
    public static final String READ_NAME = "read";
    public static final String OPERATE_NAME = "operate";

    /** The security roles a credential of this role holds: operate includes read. */
    Set<String> grants() {
        return this == OPERATE ? Set.of(READ_NAME, OPERATE_NAME) : Set.of(READ_NAME);
    }
}
