package io.tandem.node.session;

import io.tandem.node.room.RoomEntity;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SessionKind;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Finds the sharded entity of a session, wherever in the cluster it lives. The edges and hubs
 * address sessions only through this class, so a new session kind is added here once.
 */
public final class SessionEntities {
  private final ClusterSharding sharding;

  public SessionEntities(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
  }

  /** The room's entity, or empty when {@code session} is not a room. */
  public Optional<EntityRef<RoomEntity.Command>> room(SessionId session) {
    if (session.kind() != SessionKind.ROOM) {
      return Optional.empty();
    }
    return Optional.of(sharding.entityRefFor(RoomEntity.ENTITY_KEY, session.name()));
  }

  /** Whether this node serves sessions of this kind yet. */
  public boolean serves(SessionId session) {
    return session.kind() == SessionKind.ROOM;
  }

  /** Sends a join; the answer goes to {@code hub}. */
  public void join(SessionId session, RoomEntity.Join join) {
    room(session).orElseThrow().tell(join);
  }

  /** Asks for a fresh snapshot for one connection; the answer goes to {@code hub}. */
  public void refresh(SessionId session, String connectionId, ActorRef<Subscriber.Message> hub) {
    room(session).orElseThrow().tell(new RoomEntity.Refresh(connectionId, hub));
  }

  /** The member's connection is gone. */
  public void disconnect(SessionId session, String memberId) {
    room(session).orElseThrow().tell(new RoomEntity.Disconnect(memberId));
  }
}
