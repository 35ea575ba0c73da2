package dev.dropletworker.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.job.JobLogContext;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.NewJob;
import dev.dropletworker.job.RecordOrigin;
import dev.dropletworker.lifecycle.JobTrace;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Intake: reads each command record, records it as a job (or a rejected job with its event, or a
 * dead letter) and lets the record be acknowledged. It never calls DigitalOcean and never waits on
 * the rate budget, so a slow API cannot stall the consumer or cause rebalances. No record stops it:
 * every one gets an answer, and a database outage is waited out, holding the record, not skipped.
 */
@ApplicationScoped
public class CommandIntake {

    private static final Logger LOG = Logger.getLogger(CommandIntake.class);
    /** Headers copied onto a dead-letter copy, at most; the rest are counted in a header. */
    static final int MAX_COPIED_HEADER_BYTES = 16 * 1024;

    private final CommandReader reader;
    private final JobStore jobs;
    private final DeadLetters deadLetterStore;
    private final DigitalOceanAccounts accounts;
    private final MutinyEmitter<byte[]> deadLetters;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final IntakeConfig config;
    private final IntakeStatus status;
    private final DataSource database;
    private final JobTrace trace;
    private volatile boolean stopping;

    public CommandIntake(CommandReader reader, JobStore jobs, DeadLetters deadLetterStore,
            DigitalOceanAccounts accounts, @Channel("droplet-commands-dlq") MutinyEmitter<byte[]> deadLetters,
            ObjectMapper mapper, MeterRegistry metrics, IntakeConfig config, IntakeStatus status,
            DataSource database, JobTrace trace) {
        this.reader = reader;
        this.jobs = jobs;
        this.deadLetterStore = deadLetterStore;
        this.accounts = accounts;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
        this.metrics = metrics;
        this.config = config;
        this.status = status;
        this.database = database;
        this.trace = trace;
    }

    void stopping(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /**
     * Ordered and blocking: records of one partition are recorded in arrival order. While the
     * database is unreachable this holds the record and tries again with backoff; the consumer
     * meanwhile stops fetching (its small queue fills and SmallRye pauses the partitions, polling
     * on, so the group sees no failure). Any other failure to record is the record's own: it is
     * dead-lettered with the reason.
     */
    @Incoming("droplet-commands")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        ReadResult result = read(record);
        Duration wait = config.databaseRetryMin();
        boolean retried = false;
        while (true) {
            try {
                answer(result, record);
                status.released();
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    throw e; // not acknowledged: redelivered to whichever pod takes the partition
                }
                boolean reachable = databaseReachable();
                if (reachable && !retried) {
                    retried = true; // a conflict, or a connection lost mid-way: once more at once
                    continue;
                }
                if (reachable && !(result instanceof ReadResult.Unreadable)) {
                    // The database answers, so the failure is this record's: answer it as a dead letter.
                    LOG.errorf("record %s-%d@%d could not be recorded (%s); dead-lettered", record.topic(),
                            record.partition(), record.offset(), e.getClass().getName());
                    LOG.debugf(e, "record %s-%d@%d could not be recorded", record.topic(), record.partition(),
                            record.offset());
                    result = new ReadResult.Unreadable("could not be recorded (" + e.getClass().getName() + ")");
                    retried = false;
                    continue;
                }
                // The database is away, or neither the dead-letter topic nor the database takes this
                // record: hold it (nothing is skipped) and try again later; the pod is not ready meanwhile.
                if (status.holdingSince().isEmpty()) {
                    LOG.warnf("record %s-%d@%d cannot be recorded yet (%s, database %s); intake holds it and "
                            + "tries again", record.topic(), record.partition(), record.offset(),
                            e.getClass().getName(), reachable ? "reachable" : "unreachable");
                }
                status.holding();
                metrics.counter("dropletworker.intake.database.waits").increment();
                pause(wait);
                wait = min(wait.multipliedBy(2), config.databaseRetryMax());
                retried = false;
            }
        }
    }

    private ReadResult read(ConsumerRecord<String, byte[]> record) {
        ReadResult result;
        try {
            result = reader.read(record.value());
        } catch (RuntimeException e) {
            // The reader answers every record; should it ever throw, the record still gets an answer.
            result = new ReadResult.Unreadable("could not be read (" + e.getClass().getName() + ")");
        }
        if (result instanceof ReadResult.Accepted accepted && !accounts.isConfigured(accepted.command().account())) {
            Command c = accepted.command();
            result = new ReadResult.Rejected(c.commandId(), c.type().wireName(), c.account(), c.dropletId(),
                    List.of(new Problem("/account", "no DigitalOcean token is configured for account '"
                            + c.account() + "'")));
        }
        return result;
    }

    private void answer(ReadResult result, ConsumerRecord<String, byte[]> record) {
        if (result instanceof ReadResult.Accepted accepted) {
            Command c = accepted.command();
            try (JobLogContext fields = JobLogContext.ofCommand(c.commandId(), c.dropletId(), c.account())) {
                record(c, record);
            }
        } else if (result instanceof ReadResult.Rejected rejected) {
            try (JobLogContext fields = JobLogContext.ofCommand(rejected.commandId(), rejected.dropletId(),
                    rejected.account())) {
                record(rejected, record);
            }
        } else {
            deadLetter(record, ((ReadResult.Unreadable) result).reason());
        }
    }

    // Called from receive() on this bean: ArC intercepts such self-invocations (the methods are not
    // private), so each record is its own transaction, committed before the Kafka record is acked.
    @Transactional
    void record(Command command, ConsumerRecord<String, byte[]> record) {
        NewJob job = command.toNewJob(origin(record)).tracedBy(trace.toKeep(record.headers()));
        jobs.record(job).ifPresent(j -> metrics.counter("dropletworker.commands.accepted",
                "type", command.type().wireName()).increment());
    }

    @Transactional
    void record(ReadResult.Rejected rejected, ConsumerRecord<String, byte[]> record) {
        NewJob job = NewJob.rejected(rejected.commandId(), rejected.type(), rejected.account(), rejected.dropletId(),
                mapper.valueToTree(rejected.problems()), origin(record)).tracedBy(trace.toKeep(record.headers()));
        jobs.record(job).ifPresent(j -> LOG.infof("command rejected: command_id=%s problems=%s",
                rejected.commandId(), rejected.problems()));
    }

    private static RecordOrigin origin(ConsumerRecord<String, byte[]> record) {
        return new RecordOrigin(record.topic(), record.partition(), record.offset());
    }

    /**
     * Copies the record to the dead-letter topic with the reason, and waits until Kafka has it. The
     * copy is bounded (value cut with a header saying so, headers capped) so that the topic can take
     * it; if it still does not (too large for it, not writable, the broker away), the record is kept
     * in the database instead. Either way it is answered, and acknowledged.
     */
    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        try {
            deadLetters.sendMessage(Message.of(deadLetterValue(record), Metadata.of(deadLetterMetadata(record, reason))))
                    .await().atMost(config.deadLetterTimeout());
            metrics.counter("dropletworker.commands.dead_lettered").increment();
            LOG.warnf("record %s-%d@%d sent to the dead-letter topic: %s", record.topic(), record.partition(),
                    record.offset(), reason);
        } catch (RuntimeException refused) {
            String why = refused.getClass().getName();
            deadLetterStore.keep(record, reason, why);
            metrics.counter("dropletworker.commands.dead_letters.stored").increment();
            LOG.warnf("record %s-%d@%d kept in the database, the dead-letter topic did not take it (%s): %s",
                    record.topic(), record.partition(), record.offset(), why, reason);
        }
    }

    private byte[] deadLetterValue(ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return value.length > config.deadLetterMaxValueBytes()
                ? Arrays.copyOf(value, config.deadLetterMaxValueBytes()) : value;
    }

    private OutgoingKafkaRecordMetadata<String> deadLetterMetadata(ConsumerRecord<String, byte[]> record,
            String reason) {
        RecordHeaders headers = new RecordHeaders();
        int copied = 0;
        int dropped = 0;
        for (Header header : record.headers()) {
            int size = header.key().length() + (header.value() == null ? 0 : header.value().length);
            if (copied + size > MAX_COPIED_HEADER_BYTES) {
                dropped++;
                continue;
            }
            headers.add(header);
            copied += size;
        }
        if (dropped > 0) {
            headers.add("dead-letter-headers-dropped", bytes(Integer.toString(dropped)));
        }
        int size = record.value() == null ? 0 : record.value().length;
        if (size > config.deadLetterMaxValueBytes()) {
            headers.add("dead-letter-truncated", bytes(Integer.toString(size)));
        }
        headers.add("dead-letter-reason", bytes(reason));
        headers.add("dead-letter-topic", bytes(record.topic()));
        headers.add("dead-letter-partition", bytes(Integer.toString(record.partition())));
        headers.add("dead-letter-offset", bytes(Long.toString(record.offset())));
        String key = record.key();
        if (key != null && key.length() > DeadLetters.MAX_KEY_BYTES) {
            headers.add("dead-letter-key-truncated", bytes(Integer.toString(key.length())));
            key = key.substring(0, DeadLetters.MAX_KEY_BYTES);
        }
        return OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether PostgreSQL answers at all: if it does, a failure to record was the record's own. */
    private boolean databaseReachable() {
        try (Connection connection = database.getConnection()) {
            return connection.isValid(5);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private void pause(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the database", e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
