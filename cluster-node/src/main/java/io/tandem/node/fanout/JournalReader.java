package io.tandem.node.fanout;

import io.tandem.node.recording.RecordingPayloads;
import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Reads a session's durable changes back from the journal (Pekko Persistence Query over the
 * Cassandra journal), for resumes the entity's memory can no longer answer. Payloads in the blob
 * store are read back into the changes.
 */
public final class JournalReader {
  /** The Cassandra plugin's read journal. */
  public static final String READ_JOURNAL = "pekko.persistence.cassandra.query";

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final BlobStore blobs;

  public JournalReader(ActorSystem<?> system) {
    this.system = system;
    this.blobs = Blobs.get(system);
    this.journal =
        PersistenceQuery.get(system.classicSystem())
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, READ_JOURNAL);
  }

  /**
   * The changes with {@code since < seq <= upTo}, in order. A change's journal sequence number is
   * never below its seq (non-change events only add to it), so reading from {@code since + 1} sees
   * them all.
   */
  public CompletionStage<List<SessionUpdate>> changes(String persistenceId, long since, long upTo) {
    return journal
        .currentEventsByPersistenceId(persistenceId, since + 1, Long.MAX_VALUE)
        .map(env -> env.event())
        .filter(e -> e instanceof ChangeEvent)
        .map(e -> ((ChangeEvent) e).change())
        .takeWhile(c -> c.firstSeq() <= upTo)
        .filter(c -> c.seq() > since)
        .map(c -> c.after(since))
        .mapAsync(RecordingPayloads.PARALLEL_READS, c -> RecordingPayloads.resolve(blobs, c))
        .runWith(Sink.seq(), system);
  }
}
