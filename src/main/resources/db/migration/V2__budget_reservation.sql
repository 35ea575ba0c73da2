-- A step that needs several requests at once (a lookup after a lost answer) may reserve them:
-- until the reservation is filled or expires, other takers leave that many tokens in the bucket.
alter table rate_budget
    add column reserved_by     varchar(64),
    add column reserved_tokens double precision not null default 0,
    add column reserved_until  timestamptz;
