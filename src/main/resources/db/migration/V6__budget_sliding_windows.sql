-- The rate budget accounts DigitalOcean's sliding windows exactly instead of with token buckets:
-- one row per take (a step of several requests is one row), kept for the hour window.
create table budget_request (
    id        bigserial primary key,
    token_key varchar(64) not null,
    at        timestamptz not null,
    requests  integer not null
);
create index budget_request_window_idx on budget_request (token_key, at);

alter table rate_budget
    drop column minute_tokens,
    drop column hour_tokens,
    drop column refilled_at,
    add column cap_until timestamptz;   -- until when last_remaining caps what is left for the hour
