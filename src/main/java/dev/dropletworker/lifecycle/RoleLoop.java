package dev.dropletworker.lifecycle;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * Runs one role of the worker (dispatch, tracking, relay) on its own thread: a round, then, if the
 * round found nothing to do, a wait of {@code idle} or until {@link #wake()}. Rounds that found
 * work run again at once, so a backlog drains at full speed and an idle pod costs one query per
 * interval. Sub-second intervals work (the Quarkus scheduler ticks only once a second).
 */
public final class RoleLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RoleLoop.class);

    private final String name;
    private final Duration idle;
    private final IntSupplier round;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private final Thread thread;
    private final ReentrantLock roundLock = new ReentrantLock();
    private volatile boolean running = true;
    private volatile boolean paused;
    /** Run rounds back to back until one finds nothing, then stop (see {@link #finish}). */
    private volatile boolean finishing;
    private boolean wakeRequested;

    /**
     * @param round does one round of work and returns how much it did (0: nothing to do)
     */
    public RoleLoop(String name, Duration idle, IntSupplier round) {
        this.name = name;
        this.idle = idle;
        this.round = round;
        this.thread = new Thread(this::run, "droplet-worker-" + name);
        this.thread.setDaemon(true);
    }

    public RoleLoop start() {
        thread.start();
        return this;
    }

    /** Asks for a round now instead of after the idle wait (new work was just committed). */
    public void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            woken.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops starting rounds, and returns once the current round (if any) has ended. */
    public void pause() {
        paused = true;
        roundLock.lock();
        roundLock.unlock();
    }

    public void resume() {
        paused = false;
        wake();
    }

    /** True once the loop was asked to stop: a round may end early, leaving the rest to others. */
    public boolean stopping() {
        return !running;
    }

    private void run() {
        idle(); // let the application finish starting (messaging channels connect at start-up)
        while (running) {
            if (paused) {
                idle();
                continue;
            }
            int done = 0;
            ManagedContext requestContext = Arc.container().requestContext();
            requestContext.activate();
            roundLock.lock();
            try {
                if (paused) {
                    continue;
                }
                done = round.getAsInt();
            } catch (RuntimeException e) {
                if (running) {
                    // The class only: messages of lower layers may quote request headers. DEBUG has the rest.
                    LOG.warnf("%s round failed (%s); it will run again", name, e.getClass().getName());
                    LOG.debugf(e, "%s round failure", name);
                }
            } catch (Error e) {
                // A role that died silently would leave the pod "healthy" and idle: log loudly and go on.
                LOG.errorf("%s round failed with %s; it will run again", name, e.getClass().getName());
            } finally {
                roundLock.unlock();
                requestContext.terminate();
            }
            if (done == 0) {
                if (finishing) {
                    running = false;
                } else {
                    idle();
                }
            }
        }
    }

    private void idle() {
        lock.lock();
        try {
            long nanos = idle.toNanos();
            while (running && !wakeRequested && nanos > 0) {
                nanos = woken.awaitNanos(nanos);
            }
            wakeRequested = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /** Stops after the current round; waits for it so no round runs against a closing application. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Stops after the current round, waiting for it at most {@code patience}.
     *
     * @return false when the round was still running when the patience ran out
     */
    public boolean close(Duration patience) {
        running = false;
        wake();
        return awaitEnd(patience);
    }

    /**
     * Runs rounds back to back, without the idle wait, until one finds nothing to do, then stops:
     * whatever is waiting gets done before the application closes (events published, say).
     *
     * @return false when there was still work when {@code patience} ran out (the loop stops anyway)
     */
    public boolean finish(Duration patience) {
        finishing = true;
        paused = false;
        wake();
        if (awaitEnd(patience)) {
            return true;
        }
        running = false;
        wake();
        return false;
    }

    private boolean awaitEnd(Duration patience) {
        try {
            thread.join(Math.max(1, patience.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
