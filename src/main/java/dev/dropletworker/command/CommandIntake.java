package dev.dropletworker.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.job.JobLogContext;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.JobView;
import dev.dropletworker.job.NewJob;
import dev.dropletworker.job.RecordOrigin;
import dev.dropletworker.lifecycle.JobTrace;
import dev.dropletworker.lifecycle.ShutdownDeadline;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
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
 * dead letter) and lets the record be acknowledged, once it is committed. One writer thread records
 * the records in arrival order, as many as are waiting (up to a batch) in one transaction, so a
 * burst costs a commit per batch, not per record. It never calls DigitalOcean and never waits on the
 * rate budget, so a slow API cannot stall the consumer or cause rebalances. No record stops it:
 * every one gets an answer, and a database outage is waited out, holding the records, not skipped.
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
    private final ShutdownDeadline deadline;
    private final IntakeQueue queue;
    private volatile boolean stopping;
    private Thread writer;

    public CommandIntake(CommandReader reader, JobStore jobs, DeadLetters deadLetterStore,
            DigitalOceanAccounts accounts, @Channel("droplet-commands-dlq") MutinyEmitter<byte[]> deadLetters,
            ObjectMapper mapper, MeterRegistry metrics, IntakeConfig config, IntakeStatus status,
            DataSource database, JobTrace trace, ShutdownDeadline deadline) {
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
        this.deadline = deadline;
        this.queue = new IntakeQueue(config.queueRecords(), config.queueBytes());
    }

    void start(@Observes StartupEvent event) {
        writer = new Thread(this::write, "droplet-worker-intake");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Shutdown, once the channel is paused: the batch being recorded is finished and acknowledged;
     * records still queued are left unacknowledged, so they go with the partitions to the pods that
     * stay.
     */
    void stop(@Observes @Priority(ShutdownDeadline.STOP_INTAKE + 1) ShutdownEvent event) {
        stopping = true;
        if (writer == null) {
            return;
        }
        try {
            writer.join(Math.max(1, deadline.remaining().toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Hands the record to intake's writer, which records it with the others waiting (one
     * transaction a batch) and then acknowledges it. The next record comes when the stage
     * completes: at once unless the writer's queue is full, so a writer held up by a database
     * outage holds the consumer back too (its small queue fills and SmallRye pauses the partitions,
     * polling on, so the group sees no failure).
     */
    @Incoming("droplet-commands")
    public CompletionStage<Void> receive(Message<byte[]> message) {
        @SuppressWarnings("unchecked")
        ConsumerRecord<String, byte[]> record = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> (ConsumerRecord<String, byte[]>) m.getRecord())
                .orElseThrow(() -> new IllegalStateException("a command message without its Kafka record"));
        return queue.offer(new IntakeQueue.Entry(message, record));
    }

    /** The writer: one batch after the other, in arrival order, until shutdown. */
    private void write() {
        while (!stopping) {
            List<IntakeQueue.Entry> batch;
            try {
                batch = queue.take(config.batchSize(), 200);
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                answer(batch);
            } catch (RuntimeException e) {
                // Only a stopping pod gives up on a record (it is not acknowledged: it is redelivered).
                LOG.infof("shutdown: intake left %d records unanswered for the pods that stay (%s)", batch.size(),
                        e.getClass().getName());
                return;
            }
        }
    }

    /**
     * Answers a batch: the commands it holds (accepted or rejected) are recorded in one transaction,
     * the unreadable ones dead-lettered, then every record is acknowledged. Should the transaction
     * fail with the database answering, one of the records is at fault: each is then answered on its
     * own, and the one that cannot be recorded is dead-lettered with the reason.
     */
    private void answer(List<IntakeQueue.Entry> batch) {
        List<Read> reads = new ArrayList<>(batch.size());
        for (IntakeQueue.Entry entry : batch) {
            reads.add(new Read(entry.record(), read(entry.record())));
        }
        List<Read> commands = reads.stream().filter(r -> !(r.result() instanceof ReadResult.Unreadable)).toList();
        if (!commands.isEmpty() && !recordedTogether(commands)) {
            commands.forEach(r -> answerOne(r.result(), r.record()));
        }
        reads.stream().filter(r -> r.result() instanceof ReadResult.Unreadable)
                .forEach(r -> answerOne(r.result(), r.record()));
        status.released();
        batch.forEach(entry -> entry.message().ack());
    }

    private record Read(ConsumerRecord<String, byte[]> record, ReadResult result) {
    }

    /**
     * Records the batch's commands in one transaction, waiting out a database outage (the batch is
     * held, and with it the consumer, until the database is back).
     *
     * @return false when the transaction failed though the database answers (one record's fault)
     */
    private boolean recordedTogether(List<Read> commands) {
        Duration wait = config.databaseRetryMin();
        while (true) {
            try {
                countRecorded(recordAll(commands));
                return true;
            } catch (RuntimeException e) {
                if (stopping) {
                    throw e;
                }
                if (databaseReachable()) {
                    LOG.debugf("a batch of %d records could not be recorded together (%s); one by one",
                            commands.size(), e.getClass().getName());
                    return false;
                }
                holdOn(commands.get(0).record(), e, false);
                pause(wait);
                wait = min(wait.multipliedBy(2), config.databaseRetryMax());
            }
        }
    }

    // Called from this bean: ArC intercepts such self-invocations (the method is not private).
    @Transactional
    List<Command> recordAll(List<Read> commands) {
        List<Read> recordable = commands.stream().filter(r -> !(r.result() instanceof ReadResult.Unreadable)).toList();
        List<NewJob> batch = recordable.stream().map(r -> r.result() instanceof ReadResult.Accepted a
                ? newJob(a.command(), r.record()) : newJob((ReadResult.Rejected) r.result(), r.record())).toList();
        List<Optional<JobView>> recorded = jobs.recordAll(batch);
        List<Command> accepted = new ArrayList<>();
        for (int i = 0; i < recordable.size(); i++) {
            if (recorded.get(i).isEmpty()) {
                continue; // a redelivery of a command already recorded
            }
            if (recordable.get(i).result() instanceof ReadResult.Accepted a) {
                accepted.add(a.command());
            } else {
                logRejected((ReadResult.Rejected) recordable.get(i).result());
            }
        }
        return accepted;
    }

    private void countRecorded(List<Command> accepted) {
        accepted.forEach(c -> metrics.counter("dropletworker.commands.accepted", "type", c.type().wireName())
                .increment());
    }

    /**
     * Answers one record: records it (or dead-letters it), trying again while the database is
     * unreachable. The database answering but refusing the record makes it a dead letter with the
     * reason.
     */
    private void answerOne(ReadResult first, ConsumerRecord<String, byte[]> record) {
        ReadResult result = first;
        Duration wait = config.databaseRetryMin();
        boolean retried = false;
        while (true) {
            try {
                answer(result, record);
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
                holdOn(record, e, reachable);
                pause(wait);
                wait = min(wait.multipliedBy(2), config.databaseRetryMax());
                retried = false;
            }
        }
    }

    private void holdOn(ConsumerRecord<String, byte[]> record, RuntimeException e, boolean reachable) {
        if (status.holdingSince().isEmpty()) {
            LOG.warnf("record %s-%d@%d cannot be recorded yet (%s, database %s); intake holds it and "
                    + "tries again", record.topic(), record.partition(), record.offset(),
                    e.getClass().getName(), reachable ? "reachable" : "unreachable");
        }
        status.holding();
        metrics.counter("dropletworker.intake.database.waits").increment();
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
                if (record(c, record)) {
                    countRecorded(List.of(c));
                }
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

    // Called from this bean: ArC intercepts such self-invocations (the methods are not private), so
    // a record answered on its own is its own transaction, committed before it is acknowledged.
    /** @return whether the command was new (not a redelivery of one already recorded) */
    @Transactional
    boolean record(Command command, ConsumerRecord<String, byte[]> record) {
        return jobs.record(newJob(command, record)).isPresent();
    }

    @Transactional
    void record(ReadResult.Rejected rejected, ConsumerRecord<String, byte[]> record) {
        jobs.record(newJob(rejected, record)).ifPresent(j -> logRejected(rejected));
    }

    private NewJob newJob(Command command, ConsumerRecord<String, byte[]> record) {
        return command.toNewJob(origin(record)).tracedBy(trace.toKeep(record.headers()));
    }

    private NewJob newJob(ReadResult.Rejected rejected, ConsumerRecord<String, byte[]> record) {
        return NewJob.rejected(rejected.commandId(), rejected.type(), rejected.account(), rejected.dropletId(),
                mapper.valueToTree(rejected.problems()), origin(record)).tracedBy(trace.toKeep(record.headers()));
    }

    private static void logRejected(ReadResult.Rejected rejected) {
        try (JobLogContext fields = JobLogContext.ofCommand(rejected.commandId(), rejected.dropletId(),
                rejected.account())) {
            LOG.infof("command rejected: command_id=%s problems=%s", rejected.commandId(), rejected.problems());
        }
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
