-- The operator API lists jobs newest first with keyset paging on (received_at, id).
create index job_received_idx on job (received_at desc, id desc);
-- Filters of that list: by account, state, and the Droplet an action acted on.
create index job_account_received_idx on job (account, received_at desc, id desc);
create index job_state_received_idx on job (state, received_at desc, id desc);
create index job_action_droplet_idx on job_action (droplet_id);
create index job_droplet_idx on job (droplet_id) where droplet_id is not null;
