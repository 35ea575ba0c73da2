-- One row per accepted or rejected command. command_id is the producer's idempotency key:
-- the unique index is what makes a redelivered command a no-op.
create table job (
    id                 uuid primary key,
    seq                bigserial not null unique,      -- arrival order, used for per-Droplet ordering
    command_id         varchar(200) not null unique,
    command_type       text,                           -- as sent; null only for a rejected command without one
    account            varchar(63) not null,
    droplet_id         bigint,
    tag_name           varchar(255),
    ordering_key       varchar(400),                   -- jobs with the same key run one at a time, in seq order
    request            jsonb,                          -- the DigitalOcean request body (create or action)
    state              varchar(20) not null,
    outcome            varchar(20),
    attempts           integer not null default 0,
    next_run_at        timestamptz not null,
    lease_owner        varchar(200),
    lease_expires_at   timestamptz,
    sent_at            timestamptz,                    -- when the latest POST went out (lease checked just before)
    unconfirmed_since  timestamptz,                    -- when the answer to that POST was found lost: look before resending
    received_at        timestamptz not null,
    first_submitting_at timestamptz,                   -- first claim: the give-up limit counts from here
    submitting_at      timestamptz,
    in_progress_at     timestamptz,
    finished_at        timestamptz,
    updated_at         timestamptz not null,
    error_reason       varchar(40),
    error_http_status  integer,
    error_id           text,
    error_message      text,
    error_request_id   text,
    problems           jsonb,
    result             jsonb,                          -- Droplets read at the end of a create
    kafka_topic        varchar(249),
    kafka_partition    integer,
    kafka_offset       bigint
);

-- The dispatcher's claim query: due RECEIVED jobs in arrival order.
create index job_due_idx on job (next_run_at, seq) where state = 'RECEIVED';
-- Expired leases of dead pods.
create index job_lease_idx on job (lease_expires_at) where state = 'SUBMITTING';
-- "Is an earlier job on this Droplet still open?"
create index job_ordering_open_idx on job (ordering_key, seq)
    where state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS');

-- Every state change of a job, with its time.
create table job_transition (
    id          bigserial primary key,
    job_id      uuid not null references job (id),
    from_state  varchar(20),
    to_state    varchar(20) not null,
    at          timestamptz not null,
    detail      text
);
create index job_transition_job_idx on job_transition (job_id, id);

-- Every DigitalOcean action a job caused, followed until completed or errored.
create table job_action (
    id              bigserial primary key,
    job_id          uuid not null references job (id),
    action_id       bigint not null,
    droplet_id      bigint,
    type            varchar(60),
    status          varchar(20) not null,
    started_at      timestamptz,
    completed_at    timestamptz,
    resource_type   varchar(60),
    region_slug     varchar(60),
    polls           integer not null default 0,
    poll_failures   integer not null default 0,
    next_poll_at    timestamptz not null,
    lease_expires_at timestamptz,
    droplet         jsonb,                              -- a create's Droplet as read once at the end
    unique (job_id, action_id)
);
create index job_action_due_idx on job_action (next_poll_at) where status = 'in-progress';

-- Transactional outbox: written in the same transaction as the job's terminal state,
-- published by the relay, then marked sent.
create table outbox_event (
    id          uuid primary key,                       -- the CloudEvent id, equal to the job id
    job_id      uuid not null unique references job (id),
    event_key   varchar(200) not null,
    event_type  varchar(100) not null,
    payload     text not null,
    created_at  timestamptz not null,
    sent_at     timestamptz
);
create index outbox_unsent_idx on outbox_event (created_at) where sent_at is null;

-- Shared per-token rate budget (two token buckets mirroring DigitalOcean's per-minute and
-- per-hour windows), corrected by the ratelimit-* headers of every response.
create table rate_budget (
    token_key        varchar(64) primary key,            -- SHA-256 of the token: never the token itself
    minute_tokens    double precision not null,
    hour_tokens      double precision not null,
    refilled_at      timestamptz not null,
    paused_until     timestamptz,
    last_remaining   integer,
    last_reset_at    timestamptz,
    last_observed_at timestamptz
);
