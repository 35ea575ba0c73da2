package dev.dropletworker.command;

import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The {@code dead_letter} table: records that are not a command and that the dead-letter topic
 * would not take. Intake writes them; operators read them.
 */
@ApplicationScoped
public class DeadLetters {

    /** A key is an id or a name; more than this of one is kept no more than the value's cut. */
    static final int MAX_KEY_BYTES = 1024;

    private final EntityManager em;
    private final DeadLetterRepository letters;
    private final IntakeConfig config;

    DeadLetters(EntityManager em, DeadLetterRepository letters, IntakeConfig config) {
        this.em = em;
        this.letters = letters;
        this.config = config;
    }

    /**
     * Keeps the record, cut to the configured size, with why it is not a command and why the topic
     * refused it. A record kept before (redelivered after a crash) is kept once.
     */
    @Transactional
    void keep(ConsumerRecord<String, byte[]> record, String reason, String deadLetterError) {
        byte[] value = record.value() == null ? null : cut(record.value(), config.deadLetterMaxValueBytes());
        byte[] key = record.key() == null ? null : cut(record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                MAX_KEY_BYTES);
        boolean known = letters.count("topic = ?1 and partition = ?2 and offset = ?3", record.topic(), record.partition(),
                record.offset()) > 0;
        if (!known) {
            em.persist(DeadLetter.of(record.topic(), record.partition(), record.offset(), key, value,
                    record.value() == null ? 0 : record.value().length, text(reason), text(deadLetterError),
                    Instant.now()));
        }
    }

    /** The kept records, newest first, older than {@code beforeId} when given. */
    @Transactional
    public List<DeadLetterView> list(Long beforeId, int limit) {
        return (beforeId == null ? letters.findAll(Sort.descending("id"))
                : letters.find("id < ?1", Sort.descending("id"), beforeId))
                .page(0, limit).stream().map(DeadLetter::view).toList();
    }

    @Transactional
    public Optional<DeadLetterView> get(long id) {
        return letters.findByIdOptional(id).map(DeadLetter::view);
    }

    @Transactional
    public long total() {
        return letters.count();
    }

    /**
     * Deletes kept records older than {@code age}, at most {@code batch} of them.
     *
     * @return how many were deleted
     */
    @Transactional
    public int deleteOlderThan(java.time.Duration age, int batch) {
        return em.createNativeQuery("""
                delete from dead_letter where id in (
                    select id from dead_letter where received_at < now() - make_interval(secs => :age)
                    order by id limit :batch)""")
                .setParameter("age", age.toSeconds())
                .setParameter("batch", batch)
                .executeUpdate();
    }

    private static byte[] cut(byte[] bytes, int max) {
        return bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
    }

    /** PostgreSQL text holds no NUL. */
    private static String text(String value) {
        return value == null ? null : value.replace('\0', '\uFFFD');
    }
}
