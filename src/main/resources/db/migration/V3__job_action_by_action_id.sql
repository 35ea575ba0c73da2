-- Actions are looked up by DigitalOcean's id: whether a job already follows one (after a lost
-- answer), and which in-flight rows an account's action list just showed finished.
create index job_action_action_idx on job_action (action_id);
