package dev.dropletworker.job;

import jakarta.persistence.EntityManager;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * Statements over a set of ids take them as one array parameter ({@code id = any(:ids)}), so that
 * they are one SQL text whatever the number of ids. With a list ({@code id in :ids}) Hibernate
 * translates the query again at every execution, since a list parameter makes its translation
 * uncacheable (about 8% of the worker's CPU in the benchmark's overhead scenario), and PostgreSQL
 * parses and plans a new text for every size of list.
 */
final class SqlArrays {

    private SqlArrays() {
    }

    /** The entities a native query selects with {@code :ids} bound to these ids. */
    @SuppressWarnings("unchecked")
    static <T> List<T> entities(EntityManager em, String sql, Class<T> type, Collection<?> ids) {
        return em.createNativeQuery(sql, type).setParameter("ids", array(ids)).getResultList();
    }

    /** The ids as the array a {@code = any(:ids)} parameter takes: uuid[] or bigint[]. */
    static Object array(Collection<?> ids) {
        if (ids.stream().allMatch(UUID.class::isInstance)) {
            return ids.toArray(UUID[]::new);
        }
        if (ids.stream().allMatch(Long.class::isInstance)) {
            return ids.toArray(Long[]::new);
        }
        throw new IllegalArgumentException("ids are uuids or longs, one kind at a time");
    }
}
