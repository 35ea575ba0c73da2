package dev.dropletworker.job;

/** Where intake read a command: its Kafka topic, partition and offset. */
public record RecordOrigin(String topic, int partition, long offset) {

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
