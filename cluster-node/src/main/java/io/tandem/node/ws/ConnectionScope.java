package io.tandem.node.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.node.auth.Principal;
import io.tandem.node.fanout.HubManager;
import io.tandem.node.fanout.Outbox;
import io.tandem.node.fanout.SessionHub;
import io.tandem.node.session.SessionReply;
import io.tandem.protocol.ClientFrame;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.Ok;
import io.tandem.protocol.Role;
import io.tandem.protocol.SessionFrame;
import io.tandem.protocol.SessionId;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * What the channels of one connection share with it ({@link ConnectionActor}, {@link RoomChannel},
 * {@link RecordingChannel}, {@link MapChannel}, {@link ReplayChannel}): the actor's context and
 * timers, the outbox, the sessions joined, the held inbound ack, and the replies every channel
 * gives. Used on the actor's thread only; never leaves it.
 */
final class ConnectionScope {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A session joined (or being joined) on this connection: the member id and its role. */
  record Joined(String memberId, Role role) {}

  final ActorContext<ConnectionActor.Command> ctx;
  final TimerScheduler<ConnectionActor.Command> timers;
  final String connectionId;
  final ConnectionActor.Outbound outbound;
  final Outbox outbox;
  final ConnectionActor.Deps deps;

  /**
   * Sessions joined or being joined, with the member id and role. A member is usable as soon as its
   * join is sent: the client gets its snapshot only after the entity admitted it, so frames the
   * client sends after the snapshot always find the member in the entity.
   */
  final Map<SessionId, Joined> sessions = new HashMap<>();

  /** Who the connection is, once hello's token checked out; null before. */
  Principal principal;

  private boolean closing;

  /** Set while handling a frame whose ack must wait; the held ack. */
  private boolean holdAck;

  private ConnectionActor.NextFrame heldAck;

  ConnectionScope(
      ActorContext<ConnectionActor.Command> ctx,
      TimerScheduler<ConnectionActor.Command> timers,
      String connectionId,
      ConnectionActor.Outbound outbound,
      ConnectionActor.Deps deps) {
    this.ctx = ctx;
    this.timers = timers;
    this.connectionId = connectionId;
    this.outbound = outbound;
    this.outbox = outbound.outbox();
    this.deps = deps;
  }

  /** Whether the connection is closing: nothing new starts. */
  boolean closing() {
    return closing;
  }

  /** Marks the connection closing; false if it already was. */
  boolean startClosing() {
    if (closing) {
      return false;
    }
    closing = true;
    return true;
  }

  /** The frame being handled fills a queue: its ack waits for {@link #releaseHeldAck()}. */
  void holdAck() {
    holdAck = true;
  }

  /** Keeps {@code ack} if the frame just handled asked to hold it; true if it did. */
  boolean keepIfHeld(ConnectionActor.NextFrame ack) {
    if (!holdAck) {
      return false;
    }
    holdAck = false;
    heldAck = ack;
    return true;
  }

  /** A queue drained: the socket is read again. */
  void releaseHeldAck() {
    if (heldAck != null) {
      heldAck.request();
      heldAck = null;
    }
  }

  String memberId() {
    return principal.subject() + "/" + connectionId;
  }

  void reply(ClientFrame frame, ErrorCode code, String message) {
    String session = frame instanceof SessionFrame sf ? sf.session().toString() : null;
    outbox.reply(new ErrorFrame(frame.ref(), session, code, message));
  }

  /** The member if this connection joined the frame's session; otherwise replies not_joined. */
  Joined joined(SessionFrame frame) {
    Joined joined = sessions.get(frame.session());
    if (joined == null) {
      reply((ClientFrame) frame, ErrorCode.NOT_JOINED, "not joined to " + frame.session());
    }
    return joined;
  }

  /** The member if it joined as publisher; otherwise replies not_joined or forbidden. */
  Joined publisher(SessionFrame frame) {
    return joinedAs(frame, Role.PUBLISHER, "publishing");
  }

  /** The member if it joined as editor; otherwise replies not_joined or forbidden. */
  Joined editor(SessionFrame frame) {
    return joinedAs(frame, Role.EDITOR, "editing");
  }

  /** The member if it joined with {@code role}; otherwise replies not_joined or forbidden. */
  private Joined joinedAs(SessionFrame frame, Role role, String activity) {
    Joined joined = joined(frame);
    if (joined == null) {
      return null;
    }
    if (joined.role() != role) {
      reply(
          (ClientFrame) frame,
          ErrorCode.FORBIDDEN,
          "joined as "
              + joined.role().wire()
              + "; "
              + activity
              + " needs the "
              + role.wire()
              + " role");
      return null;
    }
    return joined;
  }

  /** Hub traffic goes through the manager, which knows the session's hub on this node. */
  void toHub(SessionId session, SessionHub.Local command) {
    deps.hubs().tell(new HubManager.Route(session, command));
  }

  /**
   * Tells the client what a session entity answered its request {@code ref}: ok, its error, or
   * unavailable when it did not answer in time ({@code error}).
   */
  void answer(Long ref, SessionId session, SessionReply reply, Throwable error) {
    if (error != null) {
      outbox.reply(
          new ErrorFrame(
              ref,
              session.toString(),
              ErrorCode.UNAVAILABLE,
              session + " did not answer in time, retry"));
    } else if (reply instanceof SessionReply.Accepted ok) {
      if (ref != null) {
        outbox.reply(new Ok(ref, session, ok.seq()));
      }
    } else if (reply instanceof SessionReply.Rejected no
        && no.code() == ErrorCode.NOT_JOINED
        && sessions.containsKey(session)) {
      // this connection is joined, but the entity that answered does not know it: the session
      // moved to another node and our hub has not joined the new one yet. The hub joins again
      // (resuming from what the client got); the client sends the change again with its key.
      toHub(session, new SessionHub.Rejoin(connectionId));
      outbox.reply(
          new ErrorFrame(
              ref,
              session.toString(),
              ErrorCode.UNAVAILABLE,
              session + " is moving to another node, retry"));
    } else if (reply instanceof SessionReply.Rejected no) {
      outbox.reply(new ErrorFrame(ref, session.toString(), no.code(), no.message()));
    }
  }

  /** Whether the JSON of {@code node} is over {@code maxBytes} (or cannot be written). */
  static boolean tooBig(JsonNode node, int maxBytes) {
    try {
      return JSON.writeValueAsBytes(node).length > maxBytes;
    } catch (Exception e) {
      return true;
    }
  }
}
