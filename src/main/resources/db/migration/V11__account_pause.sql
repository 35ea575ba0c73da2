-- Accounts an operator paused: dispatch claims none of their jobs (intake still records them,
-- polls of actions already running go on). A row per paused account; resuming deletes it.
create table account_pause (
    account    varchar(63) primary key,
    paused_at  timestamptz not null,
    paused_by  varchar(200) not null,
    reason     text
);
