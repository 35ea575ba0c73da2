-- An operator's retry of a failed or errored job starts a new attempt generation of the same job:
-- the job row is reused, its actions and its event are per generation.
alter table job add column generation integer not null default 1;

-- Actions a generation started; earlier generations' rows stay as history.
alter table job_action add column generation integer not null default 1;
alter table job_action drop constraint job_action_job_id_action_id_key;
alter table job_action add constraint job_action_generation_action_key unique (job_id, generation, action_id);

-- One event per job and generation (it was one per job). The id stays the CloudEvent id: the job id
-- for the first generation, so nothing changes for existing consumers, a new one for each retry.
alter table outbox_event add column generation integer not null default 1;
alter table outbox_event drop constraint outbox_event_job_id_key;
alter table outbox_event add constraint outbox_event_job_generation_key unique (job_id, generation);
