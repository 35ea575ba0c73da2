package dev.dropletworker.command;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A record the dead-letter topic would not take, kept so that intake could go on. */
@Entity
@Table(name = "dead_letter")
class DeadLetter {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    String topic;

    @Column(name = "kafka_partition")
    int partition;

    @Column(name = "kafka_offset")
    long offset;

    @Column(name = "record_key")
    byte[] key;

    @Column(name = "record_value")
    byte[] value;

    @Column(name = "value_size")
    int valueSize;

    String reason;

    @Column(name = "dead_letter_error")
    String deadLetterError;

    @Column(name = "received_at")
    Instant receivedAt;

    static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, int valueSize,
            String reason, String deadLetterError, Instant receivedAt) {
        DeadLetter letter = new DeadLetter();
        letter.topic = topic;
        letter.partition = partition;
        letter.offset = offset;
        letter.key = key;
        letter.value = value;
        letter.valueSize = valueSize;
        letter.reason = reason;
        letter.deadLetterError = deadLetterError;
        letter.receivedAt = receivedAt;
        return letter;
    }

    DeadLetterView view() {
        return new DeadLetterView(id, topic, partition, offset, key == null ? null : key.clone(),
                value == null ? null : value.clone(), valueSize, reason, deadLetterError, receivedAt);
    }
}
