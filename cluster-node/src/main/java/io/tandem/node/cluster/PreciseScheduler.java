package io.tandem.node.cluster;

import com.typesafe.config.Config;
import java.io.Closeable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractSchedulerBase;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerException;
import org.apache.pekko.actor.SchedulerTask;
import org.apache.pekko.event.LoggingAdapter;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * The node's Pekko scheduler ({@code pekko.scheduler.implementation}): every timer on one thread
 * that sleeps until the next deadline, to the microsecond.
 *
 * <p>Pekko's default scheduler turns a wheel in fixed steps ({@code tick-duration}, 10 ms) and
 * wakes at every step whether anything is due or not. A step of 10 ms bunches 60 and 90 Hz room
 * ticks in pairs; a step of 1 ms fixes that but wakes the node 1,000 times a second, a few percent
 * of a core on an idle node. Here an idle node's timer thread sleeps until its next timer (cluster
 * heartbeats, a second or so), and a 90 Hz tick fires every 11.1 ms.
 *
 * <p>Tasks only hand their runnable to its executor; the thread never runs user code. A timer queue
 * is a heap: scheduling and cancelling cost O(log n) under one lock, fine for the node's thousands
 * of timers. Tasks that Pekko marks {@link Scheduler.TaskRunOnClose} run when the scheduler closes
 * (dispatcher shutdown relies on it).
 */
public final class PreciseScheduler extends AbstractSchedulerBase implements Closeable {
  private final ScheduledThreadPoolExecutor timer;
  private final Set<Runnable> runOnClose = ConcurrentHashMap.newKeySet();

  /** Pekko creates the scheduler with these arguments ({@code ActorSystem.createScheduler}). */
  public PreciseScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {
    this.timer = new ScheduledThreadPoolExecutor(1, threadFactory);
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    timer.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
  }

  @Override
  public double maxFrequency() {
    // the thread parks with nanosecond deadlines; below a millisecond the OS decides
    return 1000.0;
  }

  @Override
  public Cancellable scheduleOnce(
      FiniteDuration delay, Runnable runnable, ExecutionContext executor) {
    boolean onClose = runnable instanceof Scheduler.TaskRunOnClose;
    if (onClose) {
      runOnClose.add(runnable);
    }
    ScheduledFuture<?> future =
        submit(
            () ->
                timer.schedule(
                    () -> {
                      if (!onClose || runOnClose.remove(runnable)) {
                        executor.execute(runnable);
                      }
                    },
                    delay.toNanos(),
                    TimeUnit.NANOSECONDS));
    return new Timer(future, runnable, onClose);
  }

  @Override
  public Cancellable schedule(
      FiniteDuration initialDelay,
      FiniteDuration interval,
      Runnable runnable,
      ExecutionContext executor) {
    if (interval.toNanos() <= 0) {
      throw new IllegalArgumentException("a repeated task needs an interval above zero");
    }
    ScheduledFuture<?> future =
        submit(
            () ->
                timer.scheduleAtFixedRate(
                    () -> executor.execute(runnable),
                    Math.max(0, initialDelay.toNanos()),
                    interval.toNanos(),
                    TimeUnit.NANOSECONDS));
    return new Timer(future, runnable, false);
  }

  private static ScheduledFuture<?> submit(java.util.function.Supplier<ScheduledFuture<?>> s) {
    try {
      return s.get();
    } catch (RejectedExecutionException e) {
      throw new SchedulerException("cannot enqueue after timer shutdown");
    }
  }

  /** Stops the thread; the pending {@link Scheduler.TaskRunOnClose} tasks run here and now. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (Runnable r : runOnClose) {
      if (runOnClose.remove(r)) {
        r.run();
      }
    }
  }

  private final class Timer implements Cancellable {
    private final ScheduledFuture<?> future;
    private final Runnable runnable;
    private final boolean onClose;

    Timer(ScheduledFuture<?> future, Runnable runnable, boolean onClose) {
      this.future = future;
      this.runnable = runnable;
      this.onClose = onClose;
    }

    @Override
    public boolean cancel() {
      boolean cancelled = future.cancel(false);
      if (cancelled) {
        if (onClose) {
          runOnClose.remove(runnable);
        }
        if (runnable instanceof SchedulerTask task) {
          task.cancelled();
        }
      }
      return cancelled;
    }

    @Override
    public boolean isCancelled() {
      return future.isCancelled();
    }
  }
}
