package io.tandem.node.session;

import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.room.RoomEntity;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Finds the sharded entity of a session, wherever in the cluster it lives, and speaks the part of
 * its protocol every session kind shares (join, refresh, leave, summary). Edges and hubs address
 * sessions only through this class, so a new session kind is added here once.
 */
public final class SessionEntities {
  private final ClusterSharding sharding;

  public SessionEntities(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
  }

  public EntityRef<RoomEntity.Command> room(SessionId session) {
    return sharding.entityRefFor(RoomEntity.ENTITY_KEY, session.name());
  }

  public EntityRef<RecordingEntity.Command> recording(SessionId session) {
    return sharding.entityRefFor(RecordingEntity.ENTITY_KEY, session.name());
  }

  public EntityRef<io.tandem.node.map.MapEntity.Command> map(SessionId session) {
    return sharding.entityRefFor(io.tandem.node.map.MapEntity.ENTITY_KEY, session.name());
  }

  /** The persistence id of the session's entity (its journal). */
  public static String persistenceId(SessionId session) {
    return switch (session.kind()) {
      case ROOM -> RoomEntity.persistenceId(session.name()).id();
      case RECORDING -> RecordingEntity.persistenceId(session.name()).id();
      case MAP -> io.tandem.node.map.MapEntity.persistenceId(session.name()).id();
    };
  }

  /** Sends a join; the entity answers {@code hub}. */
  public void join(
      SessionId session,
      String memberId,
      String connectionId,
      MemberInfo info,
      Long ref,
      Long since,
      String epoch,
      ActorRef<Subscriber.Message> hub) {
    switch (session.kind()) {
      case ROOM ->
          room(session)
              .tell(new RoomEntity.Join(memberId, connectionId, info, ref, since, epoch, hub));
      case RECORDING ->
          recording(session)
              .tell(new RecordingEntity.Join(memberId, connectionId, info, ref, since, epoch, hub));
      case MAP ->
          map(session)
              .tell(
                  new io.tandem.node.map.MapEntity.Join(
                      memberId, connectionId, info, ref, since, epoch, hub));
    }
  }

  /**
   * Asks for a fresh snapshot for one connection ({@code connectionId}), or for the hub itself
   * ({@code connectionId} null: a room's object positions); the entity answers {@code hub}.
   */
  public void refresh(SessionId session, String connectionId, ActorRef<Subscriber.Message> hub) {
    switch (session.kind()) {
      case ROOM -> room(session).tell(new RoomEntity.Refresh(connectionId, hub));
      case RECORDING -> recording(session).tell(new RecordingEntity.Refresh(connectionId, hub));
      case MAP -> map(session).tell(new io.tandem.node.map.MapEntity.Refresh(connectionId, hub));
    }
  }

  /** The member's connection is gone. */
  public void disconnect(SessionId session, String memberId) {
    switch (session.kind()) {
      case ROOM -> room(session).tell(new RoomEntity.Disconnect(memberId));
      case RECORDING -> recording(session).tell(new RecordingEntity.Disconnect(memberId));
      case MAP -> map(session).tell(new io.tandem.node.map.MapEntity.Disconnect(memberId));
    }
  }

  /** The member leaves; the answer says whether it was a member (and any seq it caused). */
  public CompletionStage<SessionReply> leave(SessionId session, String memberId, Duration timeout) {
    return switch (session.kind()) {
      case ROOM -> room(session).ask(r -> new RoomEntity.Leave(memberId, r), timeout);
      case RECORDING ->
          recording(session).ask(r -> new RecordingEntity.Leave(memberId, r), timeout);
      case MAP ->
          map(session).ask(r -> new io.tandem.node.map.MapEntity.Leave(memberId, r), timeout);
    };
  }

  /**
   * Deletes the session's history (protocol 9): {@link SessionReply.Accepted} once it is gone,
   * {@code not_found} when the session does not exist.
   */
  public CompletionStage<SessionReply> delete(SessionId session, Duration timeout) {
    return switch (session.kind()) {
      case ROOM -> room(session).ask(RoomEntity.Delete::new, timeout);
      case RECORDING -> recording(session).ask(RecordingEntity.Delete::new, timeout);
      case MAP -> map(session).ask(io.tandem.node.map.MapEntity.Delete::new, timeout);
    };
  }

  /** The session's summary for the HTTP API. */
  public CompletionStage<SessionSummary> summary(SessionId session, Duration timeout) {
    return switch (session.kind()) {
      case ROOM -> room(session).ask(RoomEntity.GetSummary::new, timeout);
      case RECORDING -> recording(session).ask(RecordingEntity.GetSummary::new, timeout);
      case MAP -> map(session).ask(io.tandem.node.map.MapEntity.GetSummary::new, timeout);
    };
  }
}
