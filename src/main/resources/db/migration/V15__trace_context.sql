-- The W3C traceparent of the command (or of intake's span), kept with its job and with its event,
-- so that whichever pod works on the job, after any restart, and the completion event continue
-- the producer's trace. Validated and normalised before it is stored (55 characters).
alter table job add column trace_parent varchar(55);
alter table outbox_event add column trace_parent varchar(55);
