package io.tandem.node.cluster;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.CircuitBreakerOpenException;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node's journal can store changes now: one flag for the whole node, so that while
 * Cassandra is away a change is answered {@code unavailable} at once instead of after the ask
 * timeout (its entity would fail its write or its recovery and stop without answering), and a hub
 * keeps its connections joined instead of giving up on them.
 *
 * <p>Down on the first sign that Cassandra is unreachable: a journal write that failed for want of
 * a connection ({@link io.tandem.node.metrics.MeteredCassandraJournal}), an open circuit breaker, a
 * readiness query that failed the same way ({@link JournalReadiness}); a slow answer is not one. Up
 * again once a probe, every {@code tandem.cassandra.availability-probe-interval} while down, reads
 * through both persistence plugins, the journal and the snapshot store, past their circuit
 * breakers: what an entity's recovery and its next write need. A successful write also brings it
 * up.
 */
public final class JournalAvailability implements Extension {
  private static final Logger LOG = LoggerFactory.getLogger(JournalAvailability.class);

  /** The persistence id the probe reads: never written, so its answer is always empty. */
  static final String PROBE_ID = "tandem-availability-probe";

  private static final ExtensionId<JournalAvailability> ID =
      new ExtensionId<>() {
        @Override
        public JournalAvailability createExtension(ActorSystem<?> system) {
          return new JournalAvailability(
              system,
              system
                  .settings()
                  .config()
                  .getDuration("tandem.cassandra.availability-probe-interval"));
        }
      };

  public static JournalAvailability get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** For the classic journal plugin and Pekko Management's checks. */
  public static JournalAvailability get(org.apache.pekko.actor.ActorSystem classic) {
    return get(Adapter.toTyped(classic));
  }

  private final ActorSystem<?> system;
  private final Duration probeInterval;

  /** When the journal went away (epoch ms), 0 while it is available. */
  private final AtomicLong downSince = new AtomicLong();

  private final List<Runnable> onRestored = new CopyOnWriteArrayList<>();

  private JournalAvailability(ActorSystem<?> system, Duration probeInterval) {
    this.system = system;
    this.probeInterval = probeInterval;
  }

  /** Whether changes can be stored now, as far as this node knows. */
  public boolean available() {
    return downSince.get() == 0;
  }

  /**
   * A journal, snapshot or readiness call failed; when for want of Cassandra (not for a bad
   * request), the journal is down until a probe gets through.
   */
  public void failed(Throwable cause) {
    if (unreachable(cause) && downSince.compareAndSet(0, System.currentTimeMillis())) {
      LOG.warn(
          "the journal's Cassandra is unreachable ({}): changes are answered `unavailable` until it"
              + " answers again",
          cause.toString());
      scheduleProbe();
    }
  }

  /** A write (or a probe) got through: available, and whoever waits for that is told. */
  public void succeeded() {
    long since = downSince.getAndSet(0);
    if (since != 0) {
      LOG.info(
          "the journal's Cassandra answers again, {} ms after it was found unreachable",
          System.currentTimeMillis() - since);
      onRestored.forEach(Runnable::run);
    }
  }

  /**
   * Runs {@code action} (quickly, on any thread: a {@code tell}) each time the journal becomes
   * available again after it was down.
   */
  public void onRestored(Runnable action) {
    onRestored.add(action);
  }

  private void scheduleProbe() {
    system.scheduler().scheduleOnce(probeInterval, this::probe, system.executionContext());
  }

  private void probe() {
    if (available()) {
      return;
    }
    readThroughPlugins()
        .whenComplete(
            (ok, error) -> {
              if (error == null && Boolean.TRUE.equals(ok)) {
                succeeded();
              } else {
                scheduleProbe();
              }
            });
  }

  /**
   * Loads the latest snapshot and the highest sequence number of a persistence id that holds
   * neither, through the snapshot store and journal actors (and so through their circuit breakers,
   * which an entity's recovery meets first).
   */
  private CompletionStage<Boolean> readThroughPlugins() {
    Persistence persistence = Persistence.get(system.classicSystem());
    org.apache.pekko.actor.ActorRef snapshots =
        persistence.snapshotStoreFor("", com.typesafe.config.ConfigFactory.empty());
    org.apache.pekko.actor.ActorRef journal =
        persistence.journalFor("", com.typesafe.config.ConfigFactory.empty());
    CompletionStage<Object> snapshot =
        Patterns.ask(
            snapshots,
            new SnapshotProtocol.LoadSnapshot(
                PROBE_ID, SnapshotSelectionCriteria.Latest(), Long.MAX_VALUE),
            probeInterval.plusSeconds(2));
    return snapshot.thenCompose(
        loaded -> {
          if (!(loaded instanceof SnapshotProtocol.LoadSnapshotResult)) {
            return java.util.concurrent.CompletableFuture.completedFuture(false);
          }
          return Patterns.askWithReplyTo(
                  journal,
                  replyTo -> new JournalProtocol.ReplayMessages(1, 0, 0, PROBE_ID, replyTo),
                  probeInterval.plusSeconds(2))
              .thenApply(JournalProtocol.RecoverySuccess.class::isInstance);
        });
  }

  /**
   * Whether {@code cause} (or one of its causes) says Cassandra could not be reached: no node to
   * send to, a connection lost, a circuit breaker open. A slow answer (a driver timeout) is not
   * enough: a loaded Cassandra still stores changes, and if its timeouts go on, the plugin's
   * breaker opens.
   */
  static boolean unreachable(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AllNodesFailedException
          || t instanceof ClosedConnectionException
          || t instanceof HeartbeatException
          || t instanceof CircuitBreakerOpenException) {
        return true;
      }
    }
    return false;
  }
}
