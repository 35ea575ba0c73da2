package dev.dropletworker.tools.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClaimLogTest {

    @Test
    void picksTheExecuteStepsOfTheClaimOutOfEveryLoggedStatement() {
        List<String> log = """
                2026-08-07 10:00:00.001 UTC [4242] LOG:  duration: 0.210 ms  parse <unnamed>: with due as (
                    select j.id from job j
                ), claimed as (
                    update job set state = 'SUBMITTING', lease_owner = $1
                )
                select id from claimed
                2026-08-07 10:00:00.002 UTC [4242] LOG:  duration: 1.750 ms  execute S_3: with due as (
                    select j.id from job j where j.state = 'RECEIVED'
                    for update of j skip locked
                ), claimed as (
                    update job set state = 'SUBMITTING', lease_owner = $1
                    from due where job.id = due.id
                )
                select id from claimed
                2026-08-07 10:00:00.003 UTC [4242] DETAIL:  parameters: $1 = 'pod-0'
                2026-08-07 10:00:00.004 UTC [4243] LOG:  duration: 9.000 ms  execute S_1: with expired as (
                    select id from job where state = 'SUBMITTING' and lease_expires_at < now()
                ), released as (
                    update job set state = 'RECEIVED' from expired where job.id = expired.id
                )
                select 1
                2026-08-07 10:00:00.005 UTC [4242] LOG:  duration: 0.020 ms  execute S_2: select 1
                2026-08-07 10:00:00.006 UTC [4244] LOG:  duration: 2.500 ms  execute <unnamed>: with due as (
                  select 1), claimed as (update job
                  set state = 'SUBMITTING' from due)
                select 1
                """.lines().toList();

        assertEquals(List.of(1.75, 2.5), ClaimLog.claimDurations(log));
    }
}
