package io.tandem.node.session;

import io.tandem.node.map.MapEntity;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.room.RoomEntity;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Finds the sharded entity of a session, wherever in the cluster it lives, and speaks the commands
 * every session kind shares ({@link SessionCommand.Common}: join, refresh, leave, delete, summary).
 * Edges and hubs address sessions only through this class, so a new session kind is added here
 * once: its entity type key in {@link #entity}.
 */
public final class SessionEntities {
  private final ClusterSharding sharding;

  public SessionEntities(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
  }

  /** The session's entity, for the shared commands and its kind's own. */
  public EntityRef<SessionCommand> entity(SessionId session) {
    EntityTypeKey<SessionCommand> key =
        switch (session.kind()) {
          case ROOM -> RoomEntity.ENTITY_KEY;
          case RECORDING -> RecordingEntity.ENTITY_KEY;
          case MAP -> MapEntity.ENTITY_KEY;
        };
    return sharding.entityRefFor(key, session.name());
  }

  /** The persistence id of the session's entity (its journal). */
  public static String persistenceId(SessionId session) {
    return switch (session.kind()) {
      case ROOM -> RoomEntity.persistenceId(session.name()).id();
      case RECORDING -> RecordingEntity.persistenceId(session.name()).id();
      case MAP -> MapEntity.persistenceId(session.name()).id();
    };
  }

  /** Sends a join; the entity answers {@code hub}. */
  public void join(
      SessionId session,
      String memberId,
      String connectionId,
      MemberInfo info,
      Long ref,
      StreamPosition from,
      ActorRef<Subscriber.Message> hub) {
    entity(session).tell(new SessionCommand.Join(memberId, connectionId, info, ref, from, hub));
  }

  /**
   * Asks for a fresh snapshot for one connection ({@code connectionId}), or for the hub itself
   * ({@code connectionId} null: a room's object positions); the entity answers {@code hub}.
   */
  public void refresh(SessionId session, String connectionId, ActorRef<Subscriber.Message> hub) {
    entity(session).tell(new SessionCommand.Refresh(connectionId, hub));
  }

  /** The member's connection is gone. */
  public void disconnect(SessionId session, String memberId) {
    entity(session).tell(new SessionCommand.Disconnect(memberId));
  }

  /** The member leaves; the answer says whether it was a member (and any seq it caused). */
  public CompletionStage<SessionReply> leave(SessionId session, String memberId, Duration timeout) {
    return entity(session).ask(r -> new SessionCommand.Leave(memberId, r), timeout);
  }

  /**
   * Deletes the session's history (protocol 9): {@link SessionReply.Accepted} once it is gone,
   * {@code not_found} when the session does not exist.
   */
  public CompletionStage<SessionReply> delete(SessionId session, Duration timeout) {
    return entity(session).ask(SessionCommand.Delete::new, timeout);
  }

  /** The session's summary for the HTTP API. */
  public CompletionStage<SessionSummary> summary(SessionId session, Duration timeout) {
    return entity(session).ask(SessionCommand.GetSummary::new, timeout);
  }
}
