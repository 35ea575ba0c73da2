package dev.dropletworker.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dropletworker.digitalocean.DigitalOceanAccounts;
import dev.dropletworker.job.JobLogContext;
import dev.dropletworker.job.JobStore;
import dev.dropletworker.job.NewJob;
import dev.dropletworker.job.RecordOrigin;
import dev.dropletworker.lifecycle.JobTrace;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
 * dead-letter record) and lets the record be acknowledged. It never calls DigitalOcean and never
 * waits on the rate budget, so a slow API cannot stall the consumer or cause rebalances.
 */
@ApplicationScoped
public class CommandIntake {

    private static final Logger LOG = Logger.getLogger(CommandIntake.class);
    private static final Duration DLQ_TIMEOUT = Duration.ofSeconds(30);

    private final CommandReader reader;
    private final JobStore jobs;
    private final DigitalOceanAccounts accounts;
    private final MutinyEmitter<byte[]> deadLetters;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final JobTrace trace;

    public CommandIntake(CommandReader reader, JobStore jobs, DigitalOceanAccounts accounts,
            @Channel("droplet-commands-dlq") MutinyEmitter<byte[]> deadLetters, ObjectMapper mapper,
            MeterRegistry metrics, JobTrace trace) {
        this.reader = reader;
        this.jobs = jobs;
        this.accounts = accounts;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
        this.metrics = metrics;
        this.trace = trace;
    }

    /**
     * Ordered and blocking: records of one partition are recorded in arrival order. An exception
     * here (the database is down) nacks the record and stops the channel, which turns the pod's
     * health DOWN; the record is redelivered after the restart, so nothing accepted is lost.
     */
    @Incoming("droplet-commands")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        ReadResult result = reader.read(record.value());
        if (result instanceof ReadResult.Accepted accepted && !accounts.isConfigured(accepted.command().account())) {
            Command c = accepted.command();
            result = new ReadResult.Rejected(c.commandId(), c.type().wireName(), c.account(), c.dropletId(),
                    List.of(new Problem("/account", "no DigitalOcean token is configured for account '"
                            + c.account() + "'")));
        }
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

    /** Copies the record to the dead-letter topic with the reason, and waits until Kafka has it. */
    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add("dead-letter-reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-topic", record.topic().getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-partition", Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-offset", Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build();
        byte[] value = record.value() == null ? new byte[0] : record.value();
        deadLetters.sendMessage(Message.of(value, Metadata.of(metadata))).await().atMost(DLQ_TIMEOUT);
        metrics.counter("dropletworker.commands.dead_lettered").increment();
        LOG.warnf("record %s-%d@%d sent to the dead-letter topic: %s", record.topic(), record.partition(),
                record.offset(), reason);
    }
}
