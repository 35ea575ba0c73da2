package dev.dropletworker.tools.ground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void readsTheTimesAfterACommandNameWithSpacesAndParentheses() {
        String line = "4242 (java (worker) x) S 17 4242 17 0 -1 4194560 52880 0 3 0 1234 567 89 10 20 0 45 0 "
                + "9120384 5016342528 94120 18446744073709551615 1 1 0 0 0 0 0 2 16800975 0 0 0 17 1 0 0 0 0 0";

        ProcStat stat = ProcStat.parse(4242, line);

        assertEquals(17, stat.ppid());
        assertEquals((1234 + 567) * 10, stat.ownMillis());
        assertEquals((89 + 10) * 10, stat.reapedMillis());
    }

    @Test
    void readsThisProcessFromProc() {
        ProcStat self = ProcStat.of(ProcessHandle.current().pid()).orElseThrow();

        assertTrue(self.ownMillis() > 0);
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), self.ppid());
    }

    @Test
    void countsOnlyTheThreadsOfTheNameGiven() throws Exception {
        long pid = ProcessHandle.current().pid();
        assertEquals(0, ProcStat.threadsMillis(pid, "procstat-"), "no such thread yet");
        AtomicBoolean stop = new AtomicBoolean();
        Thread spinner = new Thread(() -> {
            while (!stop.get()) {
                Thread.onSpinWait();
            }
        }, "procstat-spinner");
        Thread idle = new Thread(() -> {
            while (!stop.get()) {
                LockSupport.parkNanos(10_000_000L);
            }
        }, "procstat-idle");
        idle.start();
        spinner.start();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        while (threads.getThreadCpuTime(spinner.getId()) < 500_000_000L) {
            Thread.sleep(20);
        }
        long spun = ProcStat.threadsMillis(pid, "procstat-spin");
        long parked = ProcStat.threadsMillis(pid, "procstat-idle");
        stop.set(true);
        spinner.join();
        idle.join();

        assertTrue(spun >= 400, "the spinner's half second of CPU: " + spun + " ms");
        assertTrue(parked < spun / 2, "a parked thread's is its own, not the spinner's: " + parked + " ms");
        assertEquals(0, ProcStat.threadsMillis(pid, "procstat-"), "ended threads no longer count");
        assertEquals(-1, ProcStat.threadsMillis(Long.MAX_VALUE, "C2"), "no such process");
    }
}
