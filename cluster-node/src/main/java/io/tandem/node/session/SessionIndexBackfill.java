package io.tandem.node.session;

import io.tandem.node.fanout.JournalReader;
import io.tandem.persistence.index.CassandraSessionIndex;
import io.tandem.persistence.index.SessionIndexes;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SessionKind;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the sessions created before the session index existed into it, once per keyspace: every room
 * and recording among the journal's persistence ids that the index lacks is recorded with the time
 * of its first event. A marker row (kind {@value #MARKER_KIND}, which no listing walks) says it
 * ran, so later starts skip it. Runs in the background at start ({@code
 * tandem.session-index-backfill}); several nodes running it at once write the same rows.
 */
public final class SessionIndexBackfill {
  private static final Logger log = LoggerFactory.getLogger(SessionIndexBackfill.class);
  static final String MARKER_KIND = "_index";
  static final String MARKER_NAME = "backfilled-v1";

  private SessionIndexBackfill() {}

  /** Starts the backfill unless it ran before; completes with the number of sessions added. */
  public static CompletionStage<Integer> start(ActorSystem<?> system) {
    CassandraSessionIndex index = SessionIndexes.get(system);
    CassandraReadJournal journal =
        PersistenceQuery.get(system.classicSystem())
            .getReadJournalFor(CassandraReadJournal.class, JournalReader.READ_JOURNAL);
    CompletionStage<Integer> added =
        index
            .find(MARKER_KIND, MARKER_NAME)
            .thenCompose(
                marker ->
                    marker.isPresent()
                        ? CompletableFuture.completedFuture(0)
                        : journal
                            .currentPersistenceIds()
                            .map(SessionIndexBackfill::sessionOf)
                            .filter(Optional::isPresent)
                            .map(Optional::get)
                            .mapAsync(4, s -> addIfMissing(system, index, journal, s))
                            .runWith(Sink.fold(0, Integer::sum), system)
                            .thenCompose(
                                n ->
                                    index
                                        .record(
                                            MARKER_KIND, MARKER_NAME, System.currentTimeMillis())
                                        .thenApply(done -> n)));
    return added.whenComplete(
        (n, error) -> {
          if (error != null) {
            log.warn("the session index backfill failed, it runs again at the next start", error);
          } else if (n > 0) {
            log.info("the session index backfill added {} sessions created before it", n);
          }
        });
  }

  private static CompletionStage<Integer> addIfMissing(
      ActorSystem<?> system,
      CassandraSessionIndex index,
      CassandraReadJournal journal,
      SessionId s) {
    return index
        .find(s.kind().prefix(), s.name())
        .thenCompose(
            found -> {
              if (found.isPresent()) {
                return CompletableFuture.completedFuture(0);
              }
              return journal
                  .currentEventsByPersistenceId(SessionEntities.persistenceId(s), 0, 1)
                  .runWith(Sink.headOption(), system)
                  .thenCompose(
                      first ->
                          index.record(
                              s.kind().prefix(),
                              s.name(),
                              first.map(e -> e.timestamp()).orElse(0L)))
                  .thenApply(done -> 1);
            });
  }

  /** The session of a persistence id ({@code room|name}), or empty for other entities. */
  static Optional<SessionId> sessionOf(String persistenceId) {
    int bar = persistenceId.indexOf('|');
    if (bar <= 0) {
      return Optional.empty();
    }
    String kind = persistenceId.substring(0, bar);
    return SessionKind.fromPrefix(kind)
        .flatMap(k -> SessionId.tryParse(kind + ":" + persistenceId.substring(bar + 1)));
  }
}
