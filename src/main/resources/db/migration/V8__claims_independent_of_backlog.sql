-- What one claim costs must not grow with the jobs waiting behind it.
--
-- The claim walks waiting jobs in arrival order and stops once it has its batch: an index in seq
-- order lets it read the first waiting jobs instead of every due one and sorting them.
drop index job_due_idx;
create index job_waiting_idx on job (seq) where state = 'RECEIVED';

-- "Is an earlier job acting on one of my Droplets?" looks only at the jobs before this one on each
-- Droplet (the first index entry below its seq), not at every job queued on the Droplet.
alter table job_target add column job_seq bigint;
update job_target t set job_seq = j.seq from job j where j.id = t.job_id;
alter table job_target alter column job_seq set not null;
drop index job_target_droplet_idx;
create index job_target_droplet_seq_idx on job_target (droplet_id, job_seq);
