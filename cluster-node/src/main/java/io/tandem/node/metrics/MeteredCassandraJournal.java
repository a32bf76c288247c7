package io.tandem.node.metrics;

import com.typesafe.config.Config;
import io.tandem.node.cluster.JournalAvailability;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.cassandra.journal.CassandraJournal;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The Cassandra journal plugin, measured: every call of the plugin's write (one batch of atomic
 * writes, each one entity's events persisted together) records its latency from request to
 * completion and the events of each atomic write, tagged with the entity type taken from the
 * persistence id ({@code room|name} gives {@code room}). Configured as the journal's {@code class}
 * in {@code metrics.conf}; everything else is the plugin's own. Adds no blocking. Tells the node's
 * {@link JournalAvailability} whether writes get through.
 */
public final class MeteredCassandraJournal extends CassandraJournal {

  private final JournalAvailability availability;

  public MeteredCassandraJournal(Config cfg, String cfgPath) {
    super(cfg, cfgPath);
    this.availability = JournalAvailability.get(context().system());
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    long start = System.nanoTime();
    String kind = messages.isEmpty() ? "none" : kindOf(messages.head().persistenceId());
    Future<Seq<Try<BoxedUnit>>> result = super.asyncWriteMessages(messages);
    result.onComplete(
        done -> {
          long nanos = System.nanoTime() - start;
          if (done.isFailure()) {
            TandemMetrics.journalWriteFailed(kind);
            availability.failed(done.failed().get());
            return BoxedUnit.UNIT;
          }
          availability.succeeded();
          scala.collection.Iterator<AtomicWrite> writes = messages.iterator();
          scala.collection.Iterator<Try<BoxedUnit>> outcomes = done.get().iterator();
          while (writes.hasNext()) {
            AtomicWrite w = writes.next();
            String k = kindOf(w.persistenceId());
            if (outcomes.hasNext() && outcomes.next().isFailure()) {
              TandemMetrics.journalWriteFailed(k);
            } else {
              TandemMetrics.journalWrite(k, nanos, w.payload().size());
            }
          }
          return BoxedUnit.UNIT;
        },
        context().dispatcher());
    return result;
  }

  /** The entity type of a persistence id: bounded (room, recording), never the session name. */
  static String kindOf(String persistenceId) {
    int bar = persistenceId.indexOf('|');
    String kind = bar > 0 ? persistenceId.substring(0, bar) : "other";
    return switch (kind) {
      case "room", "recording", "participant" -> kind;
      default -> "other";
    };
  }
}
