-- Records that are not a command and that the dead-letter topic would not take either (too large for
-- it even truncated, the topic unwritable, the broker unreachable): kept here so that intake can
-- acknowledge them and go on. Key and value are bytes as they came, cut to a bounded size.
create table dead_letter (
    id                bigserial primary key,
    topic             varchar(249) not null,
    kafka_partition   integer not null,
    kafka_offset      bigint not null,
    record_key        bytea,
    record_value      bytea,
    value_size        integer not null,                 -- bytes before any cut
    reason            text not null,                    -- why it is not a command
    dead_letter_error text,                             -- why the dead-letter topic did not take it
    received_at       timestamptz not null,
    unique (topic, kafka_partition, kafka_offset)
);
create index dead_letter_received_idx on dead_letter (received_at);

-- An event Kafka refused for good (other than its size, which the relay shrinks) is parked: the
-- relay skips it, operators see it and may publish it again.
alter table outbox_event
    add column parked_at   timestamptz,
    add column park_reason text,
    add column cut         boolean not null default false;  -- payload replaced by a smaller one
drop index outbox_unsent_idx;
create index outbox_unsent_idx on outbox_event (created_at) where sent_at is null and parked_at is null;
