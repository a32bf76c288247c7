package io.tandem.node.recording;

import com.typesafe.config.Config;
import io.tandem.node.session.SessionCommand;
import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.index.CassandraSessionIndex;
import io.tandem.persistence.index.SessionIndexes;
import io.tandem.protocol.SessionKind;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Retention of ended recordings ({@code tandem.recording.retention}): a recording that ended more
 * than {@code ended-after} ago is deleted as {@code DELETE /v1/sessions/{session}} deletes it (its
 * history, its index row; its members, if any are still watching, get {@code not_found}).
 *
 * <p>One sweeper per cluster (a cluster singleton): every {@code sweep-interval} it reads the
 * recordings' partition of the session index page by page (each row carries {@code ended}, written
 * when the recording ended) and tells each recording past its time to delete itself. It never wakes
 * a recording that is not due, and a recording that is deleted already answers nothing. Blocks on
 * nothing: the index reads are asynchronous, one sweep at a time.
 */
public final class RecordingRetention {
  private static final int PAGE = 500;

  /**
   * @param endedAfter how long an ended recording is kept; empty: for ever (retention off)
   * @param sweepInterval how often the index is read for recordings past it
   */
  public record Settings(Optional<Duration> endedAfter, Duration sweepInterval) {
    public static Settings fromConfig(Config root) {
      Config c = root.getConfig("tandem.recording.retention");
      String after = c.getString("ended-after");
      Optional<Duration> endedAfter =
          after.equals("off") ? Optional.empty() : Optional.of(c.getDuration("ended-after"));
      Duration sweep = c.getDuration("sweep-interval");
      if (endedAfter.isPresent() && (endedAfter.get().isNegative() || sweep.isZero())) {
        throw new IllegalArgumentException(
            "tandem.recording.retention: ended-after >= 0 (or off), sweep-interval > 0");
      }
      return new Settings(endedAfter, sweep);
    }
  }

  private enum Sweep implements CborSerializable {
    INSTANCE
  }

  private enum Swept implements CborSerializable {
    INSTANCE
  }

  private RecordingRetention() {}

  /** Starts the cluster's sweeper, unless retention is off. */
  public static void start(ActorSystem<?> system, Settings settings, Clock clock) {
    if (settings.endedAfter().isEmpty()) {
      return;
    }
    ClusterSingleton.get(system)
        .init(
            SingletonActor.of(
                sweeper(settings.endedAfter().get(), settings.sweepInterval(), clock),
                "recording-retention"));
  }

  private static Behavior<Object> sweeper(Duration endedAfter, Duration interval, Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Sweep.INSTANCE, interval);
                  boolean[] sweeping = {false};
                  return Behaviors.receiveMessage(
                      msg -> {
                        if (msg == Sweep.INSTANCE && !sweeping[0]) {
                          sweeping[0] = true;
                          ctx.pipeToSelf(
                              sweep(ctx.getSystem(), "", clock.millis() - endedAfter.toMillis()),
                              (done, failure) -> {
                                if (failure != null) {
                                  ctx.getLog()
                                      .warn("recording retention: a sweep failed: {}", failure);
                                }
                                return Swept.INSTANCE;
                              });
                        } else if (msg == Swept.INSTANCE) {
                          sweeping[0] = false;
                        }
                        return Behaviors.same();
                      });
                }));
  }

  /** Deletes every recording after {@code after} (by name) that ended before {@code cutoff}. */
  private static CompletionStage<Void> sweep(ActorSystem<?> system, String after, long cutoff) {
    CassandraSessionIndex index = SessionIndexes.get(system);
    return index
        .ended(SessionKind.RECORDING.prefix(), after, PAGE)
        .thenCompose(
            page -> {
              for (CassandraSessionIndex.Ended e : page.ended()) {
                if (e.ended() <= cutoff) {
                  ClusterSharding.get(system)
                      .entityRefFor(RecordingEntity.ENTITY_KEY, e.name())
                      .tell(new SessionCommand.Delete(null));
                }
              }
              return page.next() == null
                  ? CompletableFuture.completedFuture(null)
                  : sweep(system, page.next(), cutoff);
            });
  }
}
