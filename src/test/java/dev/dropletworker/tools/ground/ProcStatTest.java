package dev.dropletworker.tools.ground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
