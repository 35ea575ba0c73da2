-- Which Droplets each open job acts on, so that the worker never runs two of its own actions on one
-- Droplet at once (a tag action and an id action included): a droplet.action's Droplet is known at
-- intake; a tag action's are the Droplets the worker listed for the tag just before sending it.
-- Rows go when the job ends (or, for a job that timed out while its action ran on, when it lets go).
create table job_target (
    job_id     uuid   not null references job (id) on delete cascade,
    droplet_id bigint not null,
    primary key (job_id, droplet_id)
);
create index job_target_droplet_idx on job_target (droplet_id);

alter table job
    add column targets_known boolean not null default true,   -- false for a tag action not yet listed
    add column holds_until   timestamptz,                     -- ended (tracking timeout) but its action runs on
    add column wait_reason   text,                            -- the wait it is in, repeated without a row each time
    add column waits         integer not null default 0,
    add column wait_owner    varchar(200),                    -- the pod whose claim the current run of waits began with
    add column looks         integer not null default 0;      -- claims after the last attempt that only looked

-- Jobs recorded before this version: per-Droplet actions target their Droplet; open tag actions
-- are listed again before they are sent.
insert into job_target (job_id, droplet_id)
    select id, droplet_id from job
    where droplet_id is not null and tag_name is null and state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS');
update job set targets_known = false
    where tag_name is not null and state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS');

-- "Is an earlier tag action of this account not yet listed?" (it holds back the jobs behind it)
create index job_unlisted_idx on job (account, seq)
    where not targets_known and state in ('RECEIVED', 'SUBMITTING', 'IN_PROGRESS');
create index job_held_idx on job (holds_until) where holds_until is not null;

-- Finished jobs are deleted after a while; their command_id stays known here at least as long as
-- the commands topic keeps records, so that a replay of the topic never runs a command twice.
create table command_tombstone (
    command_id  varchar(200) primary key,
    finished_at timestamptz not null
);
create index command_tombstone_finished_idx on command_tombstone (finished_at);
create index job_finished_idx on job (finished_at) where finished_at is not null;

-- Deleting a job takes its rows in the other tables with it.
alter table job_action drop constraint job_action_job_id_fkey,
    add constraint job_action_job_id_fkey foreign key (job_id) references job (id) on delete cascade;
alter table job_transition drop constraint job_transition_job_id_fkey,
    add constraint job_transition_job_id_fkey foreign key (job_id) references job (id) on delete cascade;
alter table outbox_event drop constraint outbox_event_job_id_fkey,
    add constraint outbox_event_job_id_fkey foreign key (job_id) references job (id) on delete cascade;

-- The relay publishes each key's events in the order their jobs finished: "is an earlier event of
-- this key still unpublished?"
create index outbox_unsent_key_idx on outbox_event (event_key, created_at) where sent_at is null and parked_at is null;
