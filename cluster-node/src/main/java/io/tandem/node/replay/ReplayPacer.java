package io.tandem.node.replay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import scala.concurrent.ExecutionContext;

/**
 * Paces one replay by the original timestamps divided by the speed, with pause, resume and speed
 * changes while it runs. Thread-safe: the replay stream asks {@link #await} for each item, the
 * connection actor changes the controls.
 *
 * <p>Time is anchored: media time {@code anchorTs} plays at wall time {@code anchorWall}; an item
 * at media time {@code ts} is due at {@code anchorWall + (ts - anchorTs) / speed}. A speed change
 * or a resume re-anchors at the current position, so nothing jumps. Speed 0 means as fast as
 * possible. Every due time it schedules is kept in {@link #schedule()} (relative to the first
 * item), which is what tests check instead of wall-clock sleeps.
 */
public final class ReplayPacer {
  private final Scheduler scheduler;
  private final ExecutionContext ec;
  private final LongSupplier nanoClock;

  private double speed;
  private boolean paused;
  private long anchorTs = Long.MIN_VALUE;
  private long anchorWallNanos;
  private long position;
  private long firstDueNanos = Long.MIN_VALUE;
  private CompletableFuture<Void> waiting;
  private long waitingTs;
  private Cancellable timer;
  private final List<Long> schedule = new ArrayList<>();

  public ReplayPacer(
      double speed, Scheduler scheduler, ExecutionContext ec, LongSupplier nanoClock) {
    this.speed = speed;
    this.scheduler = scheduler;
    this.ec = ec;
    this.nanoClock = nanoClock;
  }

  /** Completes when the item with media time {@code ts} is due. */
  public synchronized CompletionStage<Void> await(long ts) {
    if (anchorTs == Long.MIN_VALUE) {
      anchorTs = ts;
      anchorWallNanos = nanoClock.getAsLong();
    }
    CompletableFuture<Void> due = new CompletableFuture<>();
    waiting = due;
    waitingTs = ts;
    arm();
    return due;
  }

  public synchronized void pause() {
    if (!paused) {
      paused = true;
      if (timer != null) {
        timer.cancel();
      }
    }
  }

  public synchronized void resume() {
    if (paused) {
      paused = false;
      reanchor();
      arm();
    }
  }

  public synchronized void setSpeed(double newSpeed) {
    reanchor();
    speed = newSpeed;
    if (timer != null) {
      timer.cancel();
    }
    arm();
  }

  public synchronized boolean isPaused() {
    return paused;
  }

  public synchronized double speed() {
    return speed;
  }

  /** Due times scheduled so far, in ms after the first one (speed 0 items are due at once). */
  public synchronized List<Long> schedule() {
    return List.copyOf(schedule);
  }

  /** Media time is now where the last released item was. */
  private void reanchor() {
    if (anchorTs != Long.MIN_VALUE) {
      anchorTs = position;
      anchorWallNanos = nanoClock.getAsLong();
    }
  }

  private void arm() {
    if (waiting == null || waiting.isDone() || paused) {
      return;
    }
    long dueNanos =
        speed <= 0
            ? nanoClock.getAsLong()
            : anchorWallNanos + (long) ((waitingTs - anchorTs) * 1_000_000L / speed);
    if (firstDueNanos == Long.MIN_VALUE) {
      firstDueNanos = dueNanos;
    }
    long delay = dueNanos - nanoClock.getAsLong();
    if (delay <= 0) {
      release(dueNanos);
      return;
    }
    CompletableFuture<Void> target = waiting;
    timer =
        scheduler.scheduleOnce(
            Duration.ofNanos(delay),
            () -> {
              synchronized (ReplayPacer.this) {
                if (waiting == target && !paused) {
                  release(dueNanos);
                }
              }
            },
            ec);
  }

  private void release(long dueNanos) {
    schedule.add((dueNanos - firstDueNanos) / 1_000_000L);
    position = waitingTs;
    CompletableFuture<Void> done = waiting;
    waiting = null;
    done.complete(null);
  }
}
