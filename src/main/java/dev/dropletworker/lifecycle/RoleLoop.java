package dev.dropletworker.lifecycle;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
                idle();
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
        running = false;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
