package dev.dropletworker.job;

import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Statements over a set of ids take them as one array parameter ({@code id = any(:ids)}), so that
 * they are one SQL text whatever the number of ids. With a list ({@code id in :ids}) Hibernate
 * translates the query again at every execution, since a list parameter makes its translation
 * uncacheable (about 8% of the worker's CPU in the benchmark's overhead scenario), and PostgreSQL
 * parses and plans a new text for every size of list.
 *
 * <p>Entities are loaded by an HQL query over the array ({@link SqlArrayFunctions}), translated
 * once. Hibernate 7.2's multi-id loader binds the ids as one array too, but builds and translates
 * its select anew at every load: 5.4% of the worker's CPU samples in a profile of the overhead
 * scenario. A native query for entities ({@code select * ... where id = any(:ids)}) maps its
 * result set anew at every execution, from the JDBC metadata of every column: about 8%.
 */
final class SqlArrays {

    /** The HQL that loads an entity type by an id array, built once per type. */
    private static final Map<Class<?>, String> BY_IDS = new ConcurrentHashMap<>();

    private SqlArrays() {
    }

    /** The entities of these ids that exist, in the order of the ids, with one statement. */
    static <T> List<T> found(EntityManager em, Class<T> type, List<?> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Object[] array = ids.get(0) instanceof UUID ? ids.toArray(UUID[]::new) : ids.toArray(Long[]::new);
        String hql = BY_IDS.computeIfAbsent(type, t -> "from " + em.getMetamodel().entity(t).getName()
                + " e where id_in(:ids, e.id) order by id_position(:ids, e.id)");
        // As the multi-id loader did, the query leaves the session's changes to the commit: a flush
        // before it would check every entity of the session for changes.
        return em.createQuery(hql, type).setParameter("ids", array).setFlushMode(FlushModeType.COMMIT)
                .getResultList();
    }

    /**
     * The entities whose ids a native query returns with {@code :ids} bound to these ({@link #uuids},
     * {@link #longs}), for example {@code select id ... where id = any(:ids) order by id for update}
     * to lock them in the order of their ids; in the order the query returned them.
     */
    static <T> List<T> selected(EntityManager em, String idsSql, Class<T> type, Object[] ids) {
        return found(em, type, em.createNativeQuery(idsSql).setParameter("ids", ids).getResultList());
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
