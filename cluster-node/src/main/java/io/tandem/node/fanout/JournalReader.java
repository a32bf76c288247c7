package io.tandem.node.fanout;

import io.tandem.node.recording.RecordingPayloads;
import io.tandem.node.room.RoomState;
import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SessionKind;
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
   * The changes of {@code session} with {@code since < seq <= upTo}, in order. {@code journalFrom}
   * is where the session's entity says the journal holds the change after {@code since} (0 when not
   * known); the read starts there or at {@link #firstSequenceNr}, whichever is later.
   */
  public CompletionStage<List<SessionUpdate>> changes(
      SessionId session, long since, long upTo, long journalFrom) {
    return journal
        .currentEventsByPersistenceId(
            SessionEntities.persistenceId(session),
            Math.max(journalFrom, firstSequenceNr(session, since)),
            Long.MAX_VALUE)
        .map(env -> env.event())
        .filter(e -> e instanceof ChangeEvent)
        .map(e -> ((ChangeEvent) e).change())
        .takeWhile(c -> c.firstSeq() <= upTo)
        .filter(c -> c.seq() > since)
        .map(c -> c.after(since))
        .mapAsync(RecordingPayloads.PARALLEL_READS, c -> RecordingPayloads.resolve(blobs, c))
        .runWith(Sink.seq(), system);
  }

  /**
   * The first journal sequence number that can hold a change after {@code since}, from the seq
   * alone: a room's rule ({@link RoomState#journalFromAfter}); for a recording, whose event holds a
   * whole batch, 0 (its entity knows better: {@code RecordingState#journalFrom}).
   */
  public static long firstSequenceNr(SessionId session, long since) {
    return session.kind() == SessionKind.ROOM ? RoomState.journalFromAfter(since) : 0L;
  }
}
