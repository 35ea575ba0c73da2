-- What a take costs must not grow with the requests in the window (with a raised limit there may be
-- hundreds of thousands in the hour): the token's row keeps each window's count, and a take only
-- subtracts the requests that left the window since the previous one (those between the window's
-- mark and its new start), however many are still in it. The requests themselves stay rows, so a
-- wait is still worked out exactly from the oldest of them.
alter table rate_budget
    add column minute_used bigint not null default 0,
    add column hour_used   bigint not null default 0,
    add column minute_mark timestamptz not null default '-infinity',  -- requests up to here are out of minute_used
    add column hour_mark   timestamptz not null default '-infinity';  -- ... and out of hour_used

update rate_budget r set
    minute_used = coalesce((select sum(b.requests) from budget_request b
                            where b.token_key = r.token_key and b.at > now() - interval '61 seconds'), 0),
    minute_mark = now() - interval '61 seconds',
    hour_used   = coalesce((select sum(b.requests) from budget_request b
                            where b.token_key = r.token_key and b.at > now() - interval '3601 seconds'), 0),
    hour_mark   = now() - interval '3601 seconds';
delete from budget_request where at <= now() - interval '3601 seconds';
