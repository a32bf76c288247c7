package io.tandem.node.ws;

import io.tandem.node.fanout.Outbox;
import io.tandem.node.map.MapEntity;
import io.tandem.node.map.MapSettings;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionReply;
import io.tandem.protocol.Control;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.Ok;
import io.tandem.protocol.Put;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * A connection's maps (protocol 4.5): {@code put} (publishers) and {@code control} (any member). A
 * plain class owned by {@link ConnectionActor}, used on its thread.
 *
 * <p>Puts pipeline like publishes: one request per map is in flight; puts that arrive meanwhile
 * wait (durable and ephemeral alike, so that they apply in the order sent) and go to the entity
 * together, whose durable ones it persists in one journal write. Past {@code max-queued-puts}
 * waiting the connection stops reading its socket until the request in flight is answered. Each put
 * gets its own {@code ok} (with the seq of a durable one) or {@code error}, in order.
 */
final class MapChannel {

  /** The entity answered the puts {@code frames} (or did not in time: {@code error}). */
  record PutsReplied(
      SessionId session, List<Put> frames, MapEntity.PutsReply reply, Throwable error)
      implements ConnectionActor.Command {}

  /** The entity answered a control (or did not in time). */
  record ControlReplied(Long ref, SessionId session, SessionReply reply, Throwable error)
      implements ConnectionActor.Command {}

  private static final class Queue {
    final String memberId;
    final ArrayDeque<Put> waiting = new ArrayDeque<>();
    boolean inFlight;

    Queue(String memberId) {
      this.memberId = memberId;
    }
  }

  private final ConnectionScope scope;
  private final ActorContext<ConnectionActor.Command> ctx;
  private final Outbox outbox;
  private final SessionEntities entities;
  private final Duration askTimeout;
  private final MapSettings settings;
  private final Map<SessionId, Queue> queues = new HashMap<>();

  MapChannel(ConnectionScope scope) {
    this.scope = scope;
    this.ctx = scope.ctx;
    this.outbox = scope.outbox;
    this.entities = scope.deps.entities();
    this.askTimeout = scope.deps.askTimeout();
    this.settings = scope.deps.maps();
  }

  /** A map's put (publishers only): queued behind the one in flight. */
  void onPut(Put put) {
    ConnectionScope.Joined joined = scope.publisher(put);
    if (joined != null && put(put, joined.memberId())) {
      scope.holdAck();
    }
  }

  /** A map's control (any member): relayed to its publishers. */
  void onControl(Control control) {
    ConnectionScope.Joined joined = scope.joined(control);
    if (joined != null) {
      control(control, joined.memberId());
    }
  }

  void onPutsReplied(PutsReplied msg) {
    onReplied(msg);
    scope.releaseHeldAck();
  }

  /**
   * Queues a put of the publisher {@code memberId}; true when the connection should stop reading
   * until {@link #onReplied} (too many are waiting).
   */
  private boolean put(Put frame, String memberId) {
    Queue queue = queues.computeIfAbsent(frame.session(), s -> new Queue(memberId));
    queue.waiting.add(frame);
    if (!queue.inFlight) {
      send(frame.session(), queue);
      return false;
    }
    return queue.waiting.size() >= settings.maxQueuedPuts();
  }

  private void send(SessionId session, Queue queue) {
    List<Put> frames = new ArrayList<>(queue.waiting);
    queue.waiting.clear();
    queue.inFlight = true;
    List<MapEntity.PutRequest> puts = new ArrayList<>(frames.size());
    frames.forEach(f -> puts.add(new MapEntity.PutRequest(f.entries(), f.durable())));
    String memberId = queue.memberId;
    ctx.pipeToSelf(
        entities
            .entity(session)
            .ask(
                (ActorRef<MapEntity.PutsReply> replyTo) ->
                    new MapEntity.Put(memberId, List.copyOf(puts), replyTo),
                askTimeout),
        (reply, error) -> new PutsReplied(session, frames, reply, error));
  }

  /** Answers every put of the request, and sends the ones that waited meanwhile. */
  private void onReplied(PutsReplied msg) {
    List<Put> frames = msg.frames();
    for (int i = 0; i < frames.size(); i++) {
      Put f = frames.get(i);
      SessionReply r = msg.error() == null ? msg.reply().results().get(i) : null;
      if (r instanceof SessionReply.Accepted ok) {
        if (f.ref() != null) {
          outbox.reply(new Ok(f.ref(), msg.session(), ok.seq()));
        }
      } else if (r instanceof SessionReply.Rejected no) {
        outbox.reply(new ErrorFrame(f.ref(), msg.session().toString(), no.code(), no.message()));
      } else {
        outbox.reply(
            new ErrorFrame(
                f.ref(),
                msg.session().toString(),
                ErrorCode.UNAVAILABLE,
                msg.session() + " did not answer in time, retry"));
      }
    }
    Queue queue = queues.get(msg.session());
    if (queue != null) {
      queue.inFlight = false;
      if (!queue.waiting.isEmpty()) {
        send(msg.session(), queue);
      } else {
        queues.remove(msg.session());
      }
    }
  }

  /** Relays a member's control to the map's publishers; the entity answers ok or unavailable. */
  private void control(Control frame, String memberId) {
    Long ref = frame.ref();
    SessionId session = frame.session();
    ctx.pipeToSelf(
        entities
            .entity(session)
            .ask(
                (ActorRef<SessionReply> replyTo) ->
                    new MapEntity.Control(memberId, frame.control(), replyTo),
                askTimeout),
        (reply, error) -> new ControlReplied(ref, session, reply, error));
  }

  void onControlReplied(ControlReplied msg) {
    if (msg.error() != null) {
      outbox.reply(
          new ErrorFrame(
              msg.ref(),
              msg.session().toString(),
              ErrorCode.UNAVAILABLE,
              msg.session() + " did not answer in time, retry"));
    } else if (msg.reply() instanceof SessionReply.Rejected no) {
      outbox.reply(new ErrorFrame(msg.ref(), msg.session().toString(), no.code(), no.message()));
    } else if (msg.ref() != null) {
      outbox.reply(new Ok(msg.ref(), msg.session(), null));
    }
  }
}
