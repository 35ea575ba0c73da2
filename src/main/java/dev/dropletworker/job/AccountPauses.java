package dev.dropletworker.job;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Which accounts operators paused, shared by every pod through the {@code account_pause} table.
 * {@link JobStore#claimDue} claims no job of a paused account; intake still records its commands,
 * and polls of its actions already running go on, so resuming picks up where it stopped.
 */
@ApplicationScoped
public class AccountPauses {

    private static final Logger LOG = Logger.getLogger(AccountPauses.class);

    private final EntityManager em;
    private final Event<AccountPauseChanged> changed;

    AccountPauses(EntityManager em, Event<AccountPauseChanged> changed) {
        this.em = em;
        this.changed = changed;
    }

    /**
     * Pauses the account's dispatch; a second pause keeps the first one's time, author and reason.
     *
     * @return the pause in force
     */
    @Transactional
    public AccountPause pause(String account, String by, String reason) {
        int inserted = em.createNativeQuery("""
                insert into account_pause (account, paused_at, paused_by, reason) values (:account, now(), :by, :reason)
                on conflict (account) do nothing""")
                .setParameter("account", account)
                .setParameter("by", by)
                .setParameter("reason", reason)
                .executeUpdate();
        if (inserted == 1) {
            LOG.infof("account %s paused by %s", account, by);
            changed.fire(new AccountPauseChanged(account, true));
        }
        return all().get(account);
    }

    /** @return false when the account was not paused */
    @Transactional
    public boolean resume(String account, String by) {
        int deleted = em.createNativeQuery("delete from account_pause where account = :account")
                .setParameter("account", account)
                .executeUpdate();
        if (deleted == 1) {
            LOG.infof("account %s resumed by %s", account, by);
            changed.fire(new AccountPauseChanged(account, false));
        }
        return deleted == 1;
    }

    /** The paused accounts, by name. */
    @Transactional
    public Map<String, AccountPause> all() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                "select account, paused_at, paused_by, reason from account_pause order by account").getResultList();
        Map<String, AccountPause> paused = new LinkedHashMap<>();
        for (Object[] row : rows) {
            paused.put((String) row[0], new AccountPause((String) row[0], instant(row[1]), (String) row[2],
                    (String) row[3]));
        }
        return paused;
    }

    private static java.time.Instant instant(Object value) {
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof java.time.Instant i) {
            return i;
        }
        return ((java.sql.Timestamp) value).toInstant();
    }
}
