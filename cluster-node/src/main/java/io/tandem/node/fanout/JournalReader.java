package io.tandem.node.fanout;

import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.SessionUpdate;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Reads a session's durable changes back from the journal (Pekko Persistence Query over the
 * Cassandra journal), for resumes the entity's memory can no longer answer.
 */
public final class JournalReader {
  /** The Cassandra plugin's read journal. */
  public static final String READ_JOURNAL = "pekko.persistence.cassandra.query";

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;

  public JournalReader(ActorSystem<?> system) {
    this.system = system;
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
        .runWith(Sink.seq(), system);
  }
}
