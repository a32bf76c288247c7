package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.tandem.persistence.CborSerializable;
import io.tandem.protocol.ErrorCode;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything a session entity accepts: the commands every kind answers alike ({@link Common},
 * declared once here) and each kind's own ({@code RoomEntity.Command}, {@code
 * RecordingEntity.Command}, {@code MapEntity.Command}, which extend this). A hub or an HTTP route
 * speaks {@link Common} to any session through {@link SessionEntities} without asking which kind it
 * is; {@link SessionLifecycle} handles most of them inside the entity.
 *
 * <p>Each command has a stable manifest in {@code NodeManifests} ({@code session.join}, ...); the
 * per-kind records these replaced ({@code RoomEntity$Join}, {@code room.join}, ...) still read as
 * these, so rows and nodes that carry the old names keep working.
 */
public interface SessionCommand extends CborSerializable {

  /** The commands every session kind shares. */
  sealed interface Common extends SessionCommand
      permits Join,
          Leave,
          Disconnect,
          Refresh,
          GetSummary,
          Delete,
          HistoryDeleted,
          HubTerminated,
          Tick,
          IdleCheck,
          Stop {}

  /**
   * A command whose sender waits for its answer. When it never reaches an entity (Pekko drops what
   * reaches a shard's old node during its hand-off, and what is left in a stopping incarnation's
   * mailbox), the node where it was lost answers it at once ({@link UndeliveredRequests}) instead
   * of leaving its sender to wait out a timeout.
   */
  interface Request extends SessionCommand {
    /** Tells the sender that this command reached no entity: nothing changed, send it again. */
    void undelivered();
  }

  /** A request answered with a bare {@link SessionReply}. */
  interface Answered extends Request {
    ActorRef<SessionReply> replyTo();

    @Override
    default void undelivered() {
      replyTo().tell(undeliveredReply());
    }
  }

  /** A request answered through a {@link ReplyTo} (a connection's tagged answer). */
  interface Tagged extends Request {
    ReplyTo replyTo();

    @Override
    default void undelivered() {
      replyTo().tell(undeliveredReply());
    }
  }

  /** The answer to a request that reached no entity. */
  static SessionReply.Rejected undeliveredReply() {
    return new SessionReply.Rejected(
        ErrorCode.UNAVAILABLE, "the session moved while this was on its way, retry");
  }

  /**
   * Join as {@code memberId}; the answer goes to {@code hub} as a {@link Subscriber.Message}. With
   * {@code from} (the last change the client holds) the hub gets the missed changes instead of a
   * snapshot; null asks for a snapshot.
   */
  record Join(
      String memberId,
      String connectionId,
      MemberInfo info,
      Long ref,
      StreamPosition from,
      ActorRef<Subscriber.Message> hub)
      implements Common, Request {

    @Override
    public void undelivered() {
      hub.tell(new Subscriber.Undelivered(connectionId));
    }

    /**
     * Reads a join of either form: this one's {@code from}, or the {@code since} and {@code epoch}
     * of the per-kind joins (room.join, recording.join, map.join) that nodes of the release before
     * send, so that their resumes still resume during a rolling update.
     */
    @JsonCreator
    public static Join read(
        @JsonProperty("memberId") String memberId,
        @JsonProperty("connectionId") String connectionId,
        @JsonProperty("info") MemberInfo info,
        @JsonProperty("ref") Long ref,
        @JsonProperty("from") StreamPosition from,
        @JsonProperty("since") Long since,
        @JsonProperty("epoch") String epoch,
        @JsonProperty("hub") ActorRef<Subscriber.Message> hub) {
      StreamPosition position = from != null ? from : StreamPosition.of(since, epoch);
      return new Join(memberId, connectionId, info, ref, position, hub);
    }
  }

  /** Leave; the answer says whether it was a member (and any seq its leave caused). */
  record Leave(String memberId, ActorRef<SessionReply> replyTo) implements Common, Answered {}

  /** The member's connection closed: like {@link Leave}, without a reply. */
  record Disconnect(String memberId) implements Common {}

  /**
   * A connection fell behind: send it a fresh snapshot through its hub. With {@code connectionId}
   * null the hub asks for itself (a room's object positions): the answer carries none.
   */
  record Refresh(String connectionId, ActorRef<Subscriber.Message> hub) implements Common, Request {
    @Override
    public void undelivered() {
      hub.tell(new Subscriber.Undelivered(connectionId));
    }
  }

  /** The session's summary (HTTP API). */
  record GetSummary(ActorRef<SessionSummary> replyTo) implements Common {}

  /**
   * Delete the session's history (protocol 9): replies {@link SessionReply.Accepted} once it is
   * gone, {@code not_found} when there is none, {@code unavailable} when Cassandra refused. {@code
   * replyTo} may be null (a recording's retention).
   */
  record Delete(ActorRef<SessionReply> replyTo) implements Common, Request {
    @Override
    public void undelivered() {
      if (replyTo != null) {
        replyTo.tell(undeliveredReply());
      }
    }
  }

  /** Internal: the history's removal from Cassandra finished ({@code failure} null) or failed. */
  record HistoryDeleted(ActorRef<SessionReply> replyTo, String failure) implements Common {}

  /** Internal: a subscribed node's hub stopped (or its node left): its members leave. */
  record HubTerminated(ActorRef<Subscriber.Message> hub) implements Common {}

  /** Internal: the session's tick (announcements, and whatever the kind sends per tick). */
  enum Tick implements Common {
    INSTANCE
  }

  /** Internal: no members for the passivation timeout. */
  enum IdleCheck implements Common {
    INSTANCE
  }

  /** Sent by the shard to stop a passivating entity. */
  enum Stop implements Common {
    INSTANCE
  }
}
