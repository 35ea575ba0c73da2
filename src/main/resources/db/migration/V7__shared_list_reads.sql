-- One read of an account's action list serves every action in flight on it, whichever pod
-- submitted them: a pod claims the account's next read when it is due (the lease keeps the
-- others off it) and sets when the one after is due.
create table account_list_read (
    account      varchar(63) primary key,
    next_read_at timestamptz not null,
    leased_until timestamptz
);
