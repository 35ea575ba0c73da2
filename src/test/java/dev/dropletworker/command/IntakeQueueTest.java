package dev.dropletworker.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class IntakeQueueTest {

    @Test
    void theConsumerWaitsOnceTheQueueHoldsItsRecordsAndGoesOnWhenTheWriterTakesThem() throws Exception {
        IntakeQueue queue = new IntakeQueue(3, 1_000_000);

        assertTrue(done(queue.offer(entry(0, 10))));
        assertTrue(done(queue.offer(entry(1, 10))));
        CompletionStage<Void> third = queue.offer(entry(2, 10));
        assertFalse(done(third), "full: the next record waits");

        List<IntakeQueue.Entry> taken = queue.take(2, 0);

        assertEquals(List.of(0L, 1L), taken.stream().map(e -> e.record().offset()).toList(), "oldest first");
        assertTrue(done(third), "room made");
        assertEquals(1, queue.size());
    }

    @Test
    void aFewLargeRecordsFillItAsManySmallOnesWould() throws Exception {
        IntakeQueue queue = new IntakeQueue(1_000, 2 * 1024 * 1024);

        assertTrue(done(queue.offer(entry(0, 1024 * 1024))));
        CompletionStage<Void> second = queue.offer(entry(1, 1024 * 1024));

        assertFalse(done(second), "two MiB queued: the consumer waits");
        queue.take(1, 0);
        assertTrue(done(second));
    }

    @Test
    void theWriterWaitsForTheFirstRecordOnlyAsLongAsItIsTold() throws Exception {
        IntakeQueue queue = new IntakeQueue(10, 1_000);

        assertEquals(List.of(), queue.take(10, 50));
        queue.offer(entry(7, 1));
        assertEquals(1, queue.take(10, 50).size());
    }

    private static boolean done(CompletionStage<Void> stage) {
        return stage.toCompletableFuture().isDone();
    }

    private static IntakeQueue.Entry entry(long offset, int bytes) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("droplet-commands", 0, offset, "k", new byte[bytes]);
        return new IntakeQueue.Entry(Message.of(record.value()), record);
    }
}
