package dev.dropletworker.job;

import jakarta.persistence.EntityManager;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.hibernate.Session;

/**
 * Statements over a set of ids take them as one array parameter ({@code id = any(:ids)}), so that
 * they are one SQL text whatever the number of ids. With a list ({@code id in :ids}) Hibernate
 * translates the query again at every execution, since a list parameter makes its translation
 * uncacheable (about 8% of the worker's CPU in the benchmark's overhead scenario), and PostgreSQL
 * parses and plans a new text for every size of list.
 *
 * <p>Entities are loaded by Hibernate's multi-id loader, which on PostgreSQL also binds the ids as
 * one array and whose statement and result mapping are built once. A native query for entities
 * ({@code select * ... where id = any(:ids)}) maps its result set anew at every execution, from
 * the JDBC metadata of every column: about 8% of the worker's CPU samples in a profile of the
 * overhead scenario.
 */
final class SqlArrays {

    private SqlArrays() {
    }

    /** The entities of these ids that exist, in the order of the ids, with one statement. */
    static <T> List<T> found(EntityManager em, Class<T> type, List<?> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return em.unwrap(Session.class).byMultipleIds(type).multiLoad(ids).stream().filter(Objects::nonNull)
                .toList();
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
