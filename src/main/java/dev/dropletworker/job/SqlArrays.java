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

    /** The entities a native query selects with {@code :ids} bound to these ids ({@link #uuids}, {@link #longs}). */
    @SuppressWarnings("unchecked")
    static <T> List<T> entities(EntityManager em, String sql, Class<T> type, Object[] ids) {
        return em.createNativeQuery(sql, type).setParameter("ids", ids).getResultList();
    }

    /** The ids as a {@code uuid[]} parameter. */
    static UUID[] uuids(Collection<UUID> ids) {
        return ids.toArray(UUID[]::new);
    }

    /** The ids as a {@code bigint[]} parameter. */
    static Long[] longs(Collection<Long> ids) {
        return ids.toArray(Long[]::new);
    }
}
