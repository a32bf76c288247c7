package io.tandem.node.session;

import io.tandem.persistence.index.SessionIndexes;
import io.tandem.protocol.SessionId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.cleanup.Cleanup;
import org.apache.pekko.persistence.cassandra.cleanup.CleanupSettings;
import scala.jdk.javaapi.FutureConverters;

/**
 * Removes a deleted session's history from Cassandra (protocol 9, {@code DELETE
 * /v1/sessions/{session}}), once its entity has persisted its {@code Deleted} marker at journal
 * sequence number {@code markerSeqNr}: first every snapshot, then every event before the marker,
 * then its row of the session index.
 *
 * <p>Why this way. The entity's state goes back to "never created" when it applies the marker, so
 * whatever happens to the bytes, a later join (on this incarnation, after a restart, on another
 * node) creates the session afresh with a new epoch. The marker itself stays in the journal and
 * holds nothing of the history: a recovery that still found an old snapshot (a delete that failed
 * half way) replays the marker after it and ends empty, so no order of failures brings the history
 * back. Events go through the journal's own delete ({@code DeleteMessagesTo}, via the Cassandra
 * plugin's {@link Cleanup} tool), which records the deleted-to mark, so that the journal never
 * hands out their sequence numbers again and the read side skips them.
 *
 * <p>Runs on the driver's threads; blocks on nothing. Outside Cassandra (entity tests on another
 * journal) there is nothing to delete.
 */
public final class SessionDeletion {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(SessionDeletion.class);

  private SessionDeletion() {}

  /** Deletes snapshots, events before {@code markerSeqNr} and the index row of {@code session}. */
  public static CompletionStage<Done> deleteHistory(
      ActorSystem<?> system, SessionId session, String persistenceId, long markerSeqNr) {
    if (!onCassandra(system)) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    Cleanup cleanup =
        new Cleanup(
            system,
            new CleanupSettings(
                system
                    .settings()
                    .config()
                    .getConfig("pekko.persistence.cassandra.cleanup")
                    .withValue(
                        "dry-run", com.typesafe.config.ConfigValueFactory.fromAnyRef(false))));
    return FutureConverters.asJava(cleanup.deleteAllSnapshots(persistenceId))
        .thenCompose(
            done ->
                markerSeqNr > 1
                    ? FutureConverters.asJava(
                        cleanup.deleteEventsTo(persistenceId, markerSeqNr - 1))
                    : CompletableFuture.completedFuture(Done.getInstance()))
        .thenCompose(
            done -> SessionIndexes.get(system).delete(session.kind().prefix(), session.name()));
  }

  /** Removes the index row of {@code session} (a failure is logged). */
  /**
   * Logs how a deletion of {@code session}'s history ended and gives its answer: accepted, or
   * {@code unavailable} (to be retried) with {@code failure}, the reason it did not complete.
   */
  public static SessionReply outcome(
      org.slf4j.Logger entityLog, SessionId session, String failure) {
    if (failure != null) {
      entityLog.warn("{}: deleting its history failed: {}", session, failure);
      return new SessionReply.Rejected(
          io.tandem.protocol.ErrorCode.UNAVAILABLE,
          "the history of " + session + " could not be deleted, retry");
    }
    entityLog.info("{} deleted", session);
    return new SessionReply.Accepted(null);
  }

  public static void forgetIndexRow(ActorSystem<?> system, SessionId session) {
    if (!onCassandra(system)) {
      return;
    }
    SessionIndexes.get(system)
        .delete(session.kind().prefix(), session.name())
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                log.warn("could not remove {} from the index: {}", session, error.toString());
              }
            });
  }

  static boolean onCassandra(ActorSystem<?> system) {
    return system
        .settings()
        .config()
        .getString("pekko.persistence.journal.plugin")
        .startsWith("pekko.persistence.cassandra");
  }
}
