package io.tandem.node.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tandem.node.auth.AuthException;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.JournalAvailability;
import io.tandem.node.fanout.HubManager;
import io.tandem.node.fanout.Outbox;
import io.tandem.node.fanout.SessionHub;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.participant.ParticipantEntity;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.recording.RecordingPayloads;
import io.tandem.node.recording.RecordingSettings;
import io.tandem.node.replay.ReplayPacer;
import io.tandem.node.replay.Replays;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.room.RoomSettings;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.ReplyTo;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionIndex;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionSummary;
import io.tandem.node.xr.XrSettings;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.ChangeSettings;
import io.tandem.protocol.ClientFrame;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.DecodeResult;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.Hello;
import io.tandem.protocol.Join;
import io.tandem.protocol.Leave;
import io.tandem.protocol.ObjectAction;
import io.tandem.protocol.Ok;
import io.tandem.protocol.Op;
import io.tandem.protocol.Ping;
import io.tandem.protocol.Pong;
import io.tandem.protocol.Pose;
import io.tandem.protocol.Presence;
import io.tandem.protocol.ProtocolError;
import io.tandem.protocol.Replay;
import io.tandem.protocol.ReplayPause;
import io.tandem.protocol.ReplayResume;
import io.tandem.protocol.ReplaySeek;
import io.tandem.protocol.ReplaySpeed;
import io.tandem.protocol.Role;
import io.tandem.protocol.SessionFrame;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SessionKind;
import io.tandem.protocol.Welcome;
import io.tandem.protocol.WelcomeLimits;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * One per WebSocket connection: the protocol state machine between the decoded inbound frames and
 * the sessions. It checks hello and the token, the rate limit, the malformed-frame rule and the
 * grants of every frame, translates frames into entity commands, and puts direct replies into the
 * connection's {@link Outbox}. Session traffic does not pass through here: hubs write to the outbox
 * directly.
 *
 * <p>Inbound frames arrive with backpressure (one at a time, acknowledged), so a flooding client
 * slows only its own socket. Token verification that may fetch an issuer's keys runs on the
 * blocking dispatcher (a JWKS fetch may block); everything else is quick. Blocks on nothing.
 */
public final class ConnectionActor extends AbstractBehavior<ConnectionActor.Command> {

  /** What the actor accepts. Node-local: never serialized. */
  public interface Command extends org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** The inbound stream started. */
  public record StreamInit(ActorRef<Ack> ackTo) implements Command {}

  /** One inbound frame, decoded or rejected; acknowledge it to get the next. */
  public record Inbound(ActorRef<Ack> ackTo, Incoming incoming) implements Command {}

  /**
   * The client closed, or the socket failed. Sent by the inbound sink and again when the socket's
   * stream terminates (which also covers a socket that ends before its first frame): the second one
   * finds the actor stopped, an expected dead letter that is not logged.
   */
  public enum StreamEnded implements Command, org.apache.pekko.actor.DeadLetterSuppression {
    INSTANCE
  }

  /** The outbound stage sent resync for a session. */
  public record ResyncNeeded(SessionId session) implements Command {}

  /** A frame passed the read limit while it was still arriving: close with 1009 now. */
  public record FrameTooLargeNow(long atLeastBytes) implements Command {}

  /** The node is draining: say bye and close with 1012. */
  public enum Drain implements Command {
    INSTANCE
  }

  /** Acknowledgement to the inbound stream. */
  public enum Ack implements org.apache.pekko.actor.NoSerializationVerificationNeeded {
    INSTANCE
  }

  /** What the inbound stream delivers. */
  public sealed interface Incoming {}

  /** A frame that was read and decoded (or rejected by the codec). */
  public record Decoded(DecodeResult<ClientFrame> result) implements Incoming {}

  /** A frame beyond the close threshold: not read to its end. */
  public record FrameTooLarge(long atLeastBytes) implements Incoming {}

  /**
   * A frame over the connection's byte rate ({@link ByteRate}): refused like one over the frames.
   */
  public record OverByteRate(DecodeResult<ClientFrame> result, long bytes, boolean publisher)
      implements Incoming {}

  private record HelloChecked(Hello hello, Principal principal, String failure)
      implements Command {}

  private record EntityReplied(
      Long ref, SessionId session, SessionReply reply, Throwable error, Runnable onAccepted)
      implements Command {
    EntityReplied(Long ref, SessionId session, SessionReply reply, Throwable error) {
      this(ref, session, reply, error, null);
    }
  }

  /** A session entity answered a request this connection tagged. */
  private record Answered(ReplyTo.Answer answer) implements Command {}

  /** The oldest tagged request may be overdue. */
  private enum AnswerSweep implements Command {
    INSTANCE
  }

  /** What a tagged request needs to answer its client. */
  private record Request(Long ref, SessionId session, Runnable onAccepted) {}

  /** What this XR client's participant remembered from its previous connection. */
  private record ParticipantAttached(ParticipantEntity.Remembered remembered) implements Command {}

  private record PublishReplied(
      SessionId session,
      List<io.tandem.protocol.Publish> frames,
      SessionReply reply,
      Throwable error)
      implements Command {}

  private record MembershipChanged(SessionHub.Membership change) implements Command {}

  private enum HelloTimeout implements Command {
    INSTANCE
  }

  private enum HeartbeatCheck implements Command {
    INSTANCE
  }

  private enum TokenExpired implements Command {
    INSTANCE
  }

  /** Everything a connection needs from its node. */
  public record Deps(
      WsSettings ws,
      RoomSettings rooms,
      RecordingSettings recordings,
      TokenVerifier verifier,
      SessionEntities entities,
      ActorRef<HubManager.Command> hubs,
      String nodeName,
      Duration askTimeout,
      Clock clock,
      ConnectionRegistry registry,
      Replays replays,
      FrameCodec codec,
      XrSettings xr,
      io.tandem.node.map.MapSettings maps) {
    public Deps(
        WsSettings ws,
        RoomSettings rooms,
        RecordingSettings recordings,
        TokenVerifier verifier,
        SessionEntities entities,
        ActorRef<HubManager.Command> hubs,
        String nodeName,
        Duration askTimeout,
        Clock clock,
        ConnectionRegistry registry,
        Replays replays,
        FrameCodec codec,
        XrSettings xr) {
      this(
          ws,
          rooms,
          recordings,
          verifier,
          entities,
          hubs,
          nodeName,
          askTimeout,
          clock,
          registry,
          replays,
          codec,
          xr,
          io.tandem.node.map.MapSettings.fromConfig(
              com.typesafe.config.ConfigFactory.load(), ws.maxFrameBytes()));
    }

    public Deps(
        WsSettings ws,
        RoomSettings rooms,
        RecordingSettings recordings,
        TokenVerifier verifier,
        SessionEntities entities,
        ActorRef<HubManager.Command> hubs,
        String nodeName,
        Duration askTimeout,
        Clock clock,
        ConnectionRegistry registry,
        Replays replays,
        FrameCodec codec) {
      this(
          ws,
          rooms,
          recordings,
          verifier,
          entities,
          hubs,
          nodeName,
          askTimeout,
          clock,
          registry,
          replays,
          codec,
          XrSettings.DEFAULTS);
    }
  }

  /**
   * The connection's outbound side: its outbox, the merge point replays stream into, and its log
   * (traffic counts, logging context).
   */
  /**
   * What the connection's stream shares with its actor. {@code mapPublishing}: the maps this
   * connection joined as publisher (kept by the actor, read by the inbound stage, whose puts to
   * them count against the publisher's byte bucket, {@code
   * tandem.map.publisher-max-bytes-per-second}).
   */
  public record Outbound(
      Outbox outbox,
      Sink<Message, NotUsed> replays,
      Encoding encoding,
      ConnectionLog log,
      java.util.Set<SessionId> mapPublishing) {}

  public static Behavior<Command> create(String connectionId, Outbound outbound, Deps deps) {
    // every line logged while handling a message carries the connection, principal and session
    return Behaviors.withMdc(
        Command.class,
        msg -> outbound.log().mdc(sessionOf(msg)),
        Behaviors.setup(
            ctx ->
                Behaviors.withTimers(
                    timers -> new ConnectionActor(ctx, timers, connectionId, outbound, deps))));
  }

  private static String sessionOf(Command msg) {
    if (msg instanceof Inbound in
        && in.incoming() instanceof Decoded d
        && d.result() instanceof DecodeResult.Decoded<ClientFrame> ok
        && ok.frame() instanceof SessionFrame sf) {
      return sf.session().toString();
    }
    return null;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TimerScheduler<Command> timers;
  private final String connectionId;
  private final Outbox outbox;
  private final Outbound outbound;
  private final Deps deps;
  private final Executor blocking;
  private final ActorRef<SessionHub.Membership> membershipAdapter;

  private Principal principal;
  private boolean helloPending;
  private boolean closing;
  private long lastInboundMillis;

  /**
   * Sessions joined or being joined, with the member id and role. A member is usable as soon as its
   * join is sent: the client gets its snapshot only after the entity admitted it, so frames the
   * client sends after the snapshot always find the member in the entity.
   */
  private final Map<SessionId, Joined> sessions = new HashMap<>();

  private record Joined(String memberId, Role role) {}

  /**
   * A publisher's frames waiting for the journal write in flight, each with its batch, whose large
   * payload is being stored meanwhile.
   */
  private static final class PublishQueue {
    final String memberId;
    final ArrayDeque<io.tandem.protocol.Publish> waiting = new ArrayDeque<>();
    final ArrayDeque<CompletionStage<RecordingEntity.Publication>> prepared = new ArrayDeque<>();
    boolean inFlight;

    PublishQueue(String memberId) {
      this.memberId = memberId;
    }
  }

  private final Map<SessionId, PublishQueue> publishing = new HashMap<>();

  private final RecordingPayloads payloads;

  /** Puts and controls to maps. */
  private final MapRequests maps;

  /** Set while handling a frame whose ack must wait; the held ack. */
  private boolean holdAck;

  private ActorRef<Ack> heldAck;

  /** The hello waiting for its token check; acknowledged (and the next frame read) after it. */
  private ActorRef<Ack> ackAfterHello;

  /** From hello's {@code client}; the name defaults to the token's subject. */
  private String clientName;

  private String clientKind = "browser";

  /** From hello's {@code client.device}: with kind xr, holds survive a reconnect (grace). */
  private String clientDevice;

  /** The participant of an XR client with a device id, or null. */
  private EntityRef<ParticipantEntity.Command> participant;

  private long lastPoseReport;

  /** The frame rate, the run of refused frames and the malformed frames. */
  private final InboundLimits limits;

  /** Changes sent to rooms that wait for their answer; past the in-flight cap, reading waits. */
  private final PendingAnswers<Request> pending;

  /** Whether the node's journal can store changes now (answers `unavailable` at once if not). */
  private final JournalAvailability journal;

  private final ActorRef<ReplyTo.Answer> answers;

  /** The inbound ack held while too many changes wait for their answer. */
  private ActorRef<Ack> ackAfterAnswers;

  private ConnectionActor(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String connectionId,
      Outbound outbound,
      Deps deps) {
    super(ctx);
    this.timers = timers;
    this.connectionId = connectionId;
    this.outbox = outbound.outbox();
    this.outbound = outbound;
    this.deps = deps;
    this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.membershipAdapter =
        ctx.messageAdapter(SessionHub.Membership.class, MembershipChanged::new);
    this.answers = ctx.messageAdapter(ReplyTo.Answer.class, Answered::new);
    this.pending = new PendingAnswers<>(deps.askTimeout());
    this.journal = JournalAvailability.get(ctx.getSystem());
    this.payloads =
        new RecordingPayloads(Blobs.get(ctx.getSystem()), deps.recordings().blobThreshold());
    this.maps = new MapRequests(ctx, outbox, deps.entities(), deps.askTimeout(), deps.maps());
    this.limits = new InboundLimits(deps.ws(), deps.clock());
    this.lastInboundMillis = deps.clock().millis();
    deps.registry().register(ctx.getSelf());
    timers.startSingleTimer(HelloTimeout.INSTANCE, deps.ws().helloTimeout());
    timers.startTimerWithFixedDelay(HeartbeatCheck.INSTANCE, deps.ws().heartbeat());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StreamInit.class, msg -> ack(msg.ackTo()))
        .onMessage(Inbound.class, this::onInbound)
        .onMessage(HelloChecked.class, this::onHelloChecked)
        .onMessage(EntityReplied.class, this::onEntityReplied)
        .onMessage(Answered.class, this::onAnswered)
        .onMessageEquals(AnswerSweep.INSTANCE, this::onAnswerSweep)
        .onMessage(PublishReplied.class, this::onPublishReplied)
        .onMessage(MapRequests.PutsReplied.class, this::onPutsReplied)
        .onMessage(
            MapRequests.ControlReplied.class,
            msg -> {
              maps.onControlReplied(msg);
              return this;
            })
        .onMessage(ReplayReady.class, this::onReplayReady)
        .onMessage(ReplayFinished.class, this::onReplayFinished)
        .onMessage(MembershipChanged.class, this::onMembershipChanged)
        .onMessage(ResyncNeeded.class, this::onResyncNeeded)
        .onMessage(PoseDue.class, this::onPoseDue)
        .onMessage(ParticipantAttached.class, this::onParticipantAttached)
        .onMessage(QualityChanged.class, this::onQualityChanged)
        .onMessageEquals(PingDue.INSTANCE, this::onPingDue)
        .onMessage(FrameTooLargeNow.class, msg -> tooLarge(msg.atLeastBytes()))
        .onMessageEquals(HelloTimeout.INSTANCE, this::onHelloTimeout)
        .onMessageEquals(HeartbeatCheck.INSTANCE, this::onHeartbeatCheck)
        .onMessageEquals(TokenExpired.INSTANCE, this::onTokenExpired)
        .onMessageEquals(Drain.INSTANCE, this::onDrain)
        .onMessageEquals(StreamEnded.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, signal -> onStop())
        .build();
  }

  // ------------------------------------------------------------------ inbound

  private Behavior<Command> onInbound(Inbound msg) {
    lastInboundMillis = deps.clock().millis();
    if (closing) {
      return ack(msg.ackTo());
    }
    if (msg.incoming() instanceof FrameTooLarge big) {
      tooLarge(big.atLeastBytes());
      return ack(msg.ackTo());
    }
    if (msg.incoming() instanceof OverByteRate over) {
      String why =
          over.publisher()
              ? "a publisher's puts: more than "
                  + deps.maps().publisherBytesPerSecond()
                  + " bytes per second (tandem.map.publisher-max-bytes-per-second)"
              : "more than " + deps.ws().maxBytesPerSecond() + " bytes per second";
      if (over.result() instanceof DecodeResult.Decoded<ClientFrame> d) {
        limited(d.frame(), why);
      } else {
        ProtocolError e = ((DecodeResult.Rejected<ClientFrame>) over.result()).error();
        limited(e.ref(), e.session(), why);
      }
      return ack(msg.ackTo());
    }
    DecodeResult<ClientFrame> result = ((Decoded) msg.incoming()).result();
    if (result instanceof DecodeResult.Rejected<ClientFrame> rejected) {
      onRejected(rejected.error());
      return ack(msg.ackTo());
    }
    ClientFrame frame = ((DecodeResult.Decoded<ClientFrame>) result).frame();
    if (!withinRate(frame)) {
      return ack(msg.ackTo());
    }
    if (principal == null) {
      if (frame instanceof Hello hello && !helloPending) {
        helloPending = true;
        verify(hello);
        // the ack waits for the verification: nothing is read before the connection knows who it is
        ackAfterHello = msg.ackTo();
        return this;
      }
      TandemMetrics.helloFailed("not_hello");
      reply(frame, ErrorCode.UNAUTHORIZED, "send hello with a token first");
      return ack(msg.ackTo());
    }
    try {
      handle(frame);
    } catch (RuntimeException | StackOverflowError e) {
      // one frame must never take the connection, let alone the node (a fatal Error would stop the
      // JVM): it is refused, and the connection goes on
      getContext().getLog().error("frame {} could not be handled", frame.type(), e);
      reply(frame, ErrorCode.INTERNAL, "the frame could not be handled");
    }
    if (holdAck) {
      // a publisher's queue is full: its next frame is read once the queue drains
      holdAck = false;
      heldAck = msg.ackTo();
      return this;
    }
    if (pending.size() >= deps.ws().maxChangesInFlight()) {
      // back-pressure: the socket is read again once the rooms answered some of them
      ackAfterAnswers = msg.ackTo();
      return this;
    }
    return ack(msg.ackTo());
  }

  private Behavior<Command> tooLarge(long atLeastBytes) {
    if (!closing) {
      outbox.reply(
          new ErrorFrame(
              null,
              null,
              ErrorCode.TOO_BIG,
              "frame of at least "
                  + atLeastBytes
                  + " bytes; the limit is "
                  + deps.ws().maxFrameBytes()));
      close(CloseCode.TOO_BIG, "frame too big");
    }
    return this;
  }

  private void onRejected(ProtocolError error) {
    outbox.reply(error.toFrame());
    if (error.code().malformed() && limits.malformed()) {
      close(CloseCode.MALFORMED, "too many malformed frames");
    }
  }

  /** Whether the frame is within the frame rate; if not, it is refused. */
  private boolean withinRate(ClientFrame frame) {
    if (limits.takeFrame()) {
      return true;
    }
    limited(frame, "more than " + deps.ws().maxFramesPerSecond() + " frames per second");
    return false;
  }

  private void limited(ClientFrame frame, String why) {
    limited(frame.ref(), frame instanceof SessionFrame sf ? sf.session().toString() : null, why);
  }

  /** A frame over a rate is refused; refusals that go on too long close the connection (4429). */
  private void limited(Long ref, String session, String why) {
    boolean tooLong = limits.refused();
    TandemMetrics.rateLimited();
    outbox.reply(new ErrorFrame(ref, session, ErrorCode.RATE_LIMITED, why));
    if (tooLong) {
      close(CloseCode.RATE_LIMITED, "rate limit exceeded for too long");
    }
  }

  // ------------------------------------------------------------------ hello

  /**
   * Verifies the hello's token: at once where that is CPU work only (HS256, or no external issuer),
   * on the blocking dispatcher where it may wait for the issuer's keys. The answer arrives as a
   * {@link HelloChecked} either way.
   */
  private void verify(Hello hello) {
    TokenVerifier verifier = deps.verifier();
    if (!verifier.mayFetchKeys(hello.token())) {
      getContext().getSelf().tell(check(verifier, hello));
      return;
    }
    getContext()
        .pipeToSelf(
            CompletableFuture.supplyAsync(() -> check(verifier, hello), blocking),
            (checked, failure) ->
                checked != null ? checked : new HelloChecked(hello, null, "token check failed"));
  }

  private static HelloChecked check(TokenVerifier verifier, Hello hello) {
    try {
      return new HelloChecked(hello, verifier.verify(hello.token()), null);
    } catch (AuthException e) {
      return new HelloChecked(hello, null, e.getMessage());
    } catch (RuntimeException e) {
      return new HelloChecked(hello, null, "token check failed");
    }
  }

  private Behavior<Command> onHelloChecked(HelloChecked msg) {
    helloPending = false;
    if (msg.principal() == null) {
      TandemMetrics.helloFailed("token");
      outbox.reply(new ErrorFrame(msg.hello().ref(), null, ErrorCode.UNAUTHORIZED, msg.failure()));
      close(CloseCode.UNAUTHORIZED, "unauthorized");
    } else if (!deps.registry()
        .identify(
            getContext().getSelf(),
            msg.principal().subject(),
            deps.ws().maxConnectionsPerPrincipal())) {
      outbox.reply(
          new ErrorFrame(
              msg.hello().ref(),
              null,
              ErrorCode.RATE_LIMITED,
              "at most "
                  + deps.ws().maxConnectionsPerPrincipal()
                  + " connections per principal on this node"));
      close(CloseCode.RATE_LIMITED, "too many connections of this principal");
    } else {
      principal = msg.principal();
      if (msg.hello().client() != null) {
        if (msg.hello().client().name() != null && !msg.hello().client().name().isBlank()) {
          clientName = msg.hello().client().name();
        }
        if (msg.hello().client().kind() != null) {
          clientKind = msg.hello().client().kind().wire();
        }
        clientDevice = msg.hello().client().device();
        if ("xr".equals(clientKind)) {
          startQualityTracking();
        }
        if (clientDevice != null && "xr".equals(clientKind)) {
          attachParticipant();
        }
      }
      outbound.log().identified(principal.subject(), clientKind);
      timers.cancel(HelloTimeout.INSTANCE);
      long untilExpiry = principal.expiresAt().toEpochMilli() - deps.clock().millis();
      timers.startSingleTimer(TokenExpired.INSTANCE, Duration.ofMillis(Math.max(0, untilExpiry)));
      outbox.reply(
          new Welcome(
              msg.hello().ref(),
              connectionId,
              deps.nodeName(),
              principal.subject(),
              deps.clock().millis(),
              deps.ws().heartbeat().toMillis(),
              new WelcomeLimits(deps.ws().maxFrameBytes(), deps.ws().maxFramesPerSecond())));
    }
    if (ackAfterHello != null) {
      ackAfterHello.tell(Ack.INSTANCE);
      ackAfterHello = null;
    }
    return this;
  }

  // ------------------------------------------------------------------ frames

  private void handle(ClientFrame frame) {
    if (frame instanceof Ping ping) {
      outbox.reply(new Pong(ping.ref(), ping.t(), deps.clock().millis()));
    } else if (frame instanceof Pong pong) {
      // an answer to a ping of ours: its round trip counts for the level of detail
      onPong(pong);
    } else if (frame instanceof Hello) {
      reply(frame, ErrorCode.CONFLICT, "hello was already accepted on this connection");
    } else if (frame instanceof Join join) {
      onJoin(join);
    } else if (frame instanceof Leave leave) {
      onLeave(leave);
    } else if (frame instanceof Op op) {
      onOp(op);
    } else if (frame instanceof ObjectAction action) {
      onObject(action);
    } else if (frame instanceof Presence presence) {
      onPresence(presence);
    } else if (frame instanceof Pose pose) {
      onPose(pose);
    } else if (frame instanceof ChangeSettings change) {
      onChangeSettings(change);
    } else if (frame instanceof io.tandem.protocol.Publish publish) {
      onPublish(publish);
    } else if (frame instanceof io.tandem.protocol.End end) {
      onEnd(end);
    } else if (frame instanceof io.tandem.protocol.Put put) {
      onPut(put);
    } else if (frame instanceof io.tandem.protocol.Control control) {
      onControl(control);
    } else if (frame instanceof Replay replay) {
      onReplay(replay);
    } else if (frame instanceof ReplayPause pause) {
      withReplay(pause, r -> r.pacer().pause());
    } else if (frame instanceof ReplayResume resume) {
      withReplay(resume, r -> r.pacer().resume());
    } else if (frame instanceof ReplaySpeed speed) {
      withReplay(speed, r -> r.pacer().setSpeed(speed.speed()));
    } else if (frame instanceof ReplaySeek seek) {
      onReplaySeek(seek);
    } else {
      reply(
          frame,
          ErrorCode.UNAVAILABLE,
          "'" + frame.type() + "' is not served by this node version yet");
    }
  }

  private void onJoin(Join join) {
    SessionId session = join.session();
    Right needed =
        switch (join.role()) {
          case VIEWER -> Right.READ;
          case EDITOR -> Right.WRITE;
          case PUBLISHER -> Right.PUBLISH;
        };
    if (!principal.grants().allows(session.kind().prefix(), session.name(), needed)) {
      reply(
          join, ErrorCode.FORBIDDEN, "no " + needed.name().toLowerCase() + " grant for " + session);
      return;
    }
    if (session.kind() == SessionKind.ROOM && join.role() == Role.PUBLISHER) {
      reply(join, ErrorCode.FORBIDDEN, "rooms have viewers and editors, not publishers");
      return;
    }
    if (session.kind() == SessionKind.RECORDING && join.role() == Role.EDITOR) {
      reply(join, ErrorCode.FORBIDDEN, "recordings have viewers and publishers, not editors");
      return;
    }
    if (session.kind() == SessionKind.MAP && join.role() == Role.EDITOR) {
      reply(join, ErrorCode.FORBIDDEN, "maps have viewers and publishers, not editors");
      return;
    }
    if (sessions.containsKey(session)) {
      reply(join, ErrorCode.CONFLICT, "already joined to " + session);
      return;
    }
    if (sessions.size() + replays.size() >= deps.ws().maxSessionsPerConnection()) {
      reply(
          join,
          ErrorCode.CONFLICT,
          "a connection joins or replays at most "
              + deps.ws().maxSessionsPerConnection()
              + " sessions");
      return;
    }
    JsonNode presence =
        join.presence() == null ? JsonNodeFactory.instance.objectNode() : join.presence();
    if (tooBig(presence, deps.rooms().maxPresenceBytes())) {
      reply(join, ErrorCode.TOO_BIG, "presence over " + deps.rooms().maxPresenceBytes() + " bytes");
      return;
    }
    sessions.put(session, new Joined(memberId(), join.role()));
    if (session.kind() == SessionKind.MAP && join.role() == Role.PUBLISHER) {
      outbound.mapPublishing().add(session);
    }
    MemberInfo info =
        new MemberInfo(clientName(), clientKind(), join.role().wire(), presence, clientDevice);
    deps.hubs()
        .tell(
            new HubManager.Route(
                session,
                new SessionHub.Subscribe(
                    connectionId,
                    memberId(),
                    info,
                    join.ref(),
                    join.since(),
                    join.epoch(),
                    outbox,
                    membershipAdapter)));
  }

  private void onLeave(Leave leave) {
    Joined joined = sessions.remove(leave.session());
    outbound.mapPublishing().remove(leave.session());
    if (joined == null) {
      reply(leave, ErrorCode.NOT_JOINED, "not joined to " + leave.session());
      return;
    }
    detach(leave.session());
    Long ref = leave.ref();
    SessionId session = leave.session();
    getContext()
        .pipeToSelf(
            deps.entities().leave(session, joined.memberId(), deps.askTimeout()),
            (reply, error) -> new EntityReplied(ref, session, leftAnyway(reply), error));
  }

  /**
   * This connection was joined, so a leave the entity answers with {@code not_joined} found the
   * member already gone: the hub, detached just before, stopped and its members were dropped first.
   * The leave did what it asked.
   */
  private static SessionReply leftAnyway(SessionReply reply) {
    return reply instanceof SessionReply.Rejected r && r.code() == ErrorCode.NOT_JOINED
        ? new SessionReply.Accepted(null)
        : reply;
  }

  private void onOp(Op op) {
    Joined joined = editor(op);
    if (joined == null) {
      return;
    }
    if (op.ops().size() > deps.rooms().maxOpsPerFrame()) {
      reply(op, ErrorCode.TOO_BIG, "at most " + deps.rooms().maxOpsPerFrame() + " ops per frame");
      return;
    }
    var edits = ClientCommands.docEdits(op.ops());
    tellRoom(op, null, replyTo -> new RoomEntity.Edit(joined.memberId(), edits, replyTo, op.key()));
  }

  private void onObject(ObjectAction action) {
    Joined joined = editor(action);
    if (joined == null) {
      return;
    }
    var transform = ClientCommands.objectTransform(action.transform());
    RoomEntity.ObjectAction kind = ClientCommands.objectAction(action.action());
    Runnable onAccepted = null;
    if (participant != null && kind != RoomEntity.ObjectAction.MOVE) {
      boolean held = kind == RoomEntity.ObjectAction.GRAB;
      var p = participant;
      String session = action.session().toString();
      onAccepted =
          () -> p.tell(new ParticipantEntity.Hold(connectionId, session, action.id(), held));
    }
    tellRoom(
        action,
        onAccepted,
        replyTo ->
            new RoomEntity.ChangeObject(
                joined.memberId(),
                kind,
                action.id(),
                action.asset(),
                transform,
                replyTo,
                action.key()));
  }

  private void onPresence(Presence presence) {
    Joined joined = editor(presence);
    if (joined == null) {
      return;
    }
    if (tooBig(presence.presence(), deps.rooms().maxPresenceBytes())) {
      reply(
          presence,
          ErrorCode.TOO_BIG,
          "presence over " + deps.rooms().maxPresenceBytes() + " bytes");
      return;
    }
    deps.entities()
        .room(presence.session())
        .tell(new RoomEntity.SetPresence(joined.memberId(), presence.presence()));
  }

  private void onChangeSettings(ChangeSettings change) {
    Joined joined = editor(change);
    if (joined == null) {
      return;
    }
    askRoom(
        change,
        replyTo ->
            new RoomEntity.ChangeSettings(joined.memberId(), change.settings().tickHz(), replyTo));
  }

  /** Time for the next pose of a session to go to its room. */
  private record PoseDue(SessionId session) implements Command {}

  /** The newest pose per session not sent to its room yet (a newer one replaces it). */
  private final Map<SessionId, Pose> unsentPoses = new HashMap<>();

  /** The tick of each joined room as its hub last told (until then, the node's default). */
  private final Map<SessionId, Duration> roomTicks = new HashMap<>();

  private Duration roomTick(SessionId session) {
    return roomTicks.getOrDefault(session, deps.rooms().tickInterval());
  }

  /**
   * Poses are conflated here, before they cross the cluster, always keeping the newest: a pose goes
   * to the room at once when three quarters of the room's tick have passed since the last one this
   * connection forwarded; otherwise it waits (a newer one replaces it) and goes when that time
   * comes. So the room has every member's newest pose before each of its ticks although the two
   * clocks are not in step, and a 90 Hz headset in a 20 Hz room sends the room 20 to 27 poses a
   * second. A steady sender needs no timer (its next pose is due by then); one that stops gets its
   * last pose through with one. Never acknowledged.
   */
  private void onPose(Pose pose) {
    Joined joined = editor(pose);
    if (joined == null) {
      return;
    }
    // recordings have no editors: editor() refused a pose for one already
    SessionId session = pose.session();
    long now = System.nanoTime();
    long wait = poseSpacingNanos(session) - (now - lastPoseSent.getOrDefault(session, 0L));
    if (wait <= 0 || !lastPoseSent.containsKey(session)) {
      unsentPoses.remove(session);
      sendPose(joined, pose);
      lastPoseSent.put(session, now);
    } else {
      unsentPoses.put(session, pose);
      PoseDue due = new PoseDue(session);
      if (!timers.isTimerActive(due)) {
        timers.startSingleTimer(due, due, Duration.ofNanos(wait));
      }
    }
  }

  /** The least time between two poses forwarded to a room: three quarters of its tick. */
  private long poseSpacingNanos(SessionId session) {
    return roomTick(session).toNanos() * 3 / 4;
  }

  /** When the last pose went to each room ({@link System#nanoTime()}). */
  private final Map<SessionId, Long> lastPoseSent = new HashMap<>();

  /** The level of detail the outbound stage recommended last changed. */
  private record QualityChanged(io.tandem.protocol.Quality quality) implements Command {}

  private enum PingDue implements Command {
    INSTANCE
  }

  /** The {@code t} of the server's ping waiting for its pong (ms of the node's clock), or -1. */
  private double pingSentAt = -1;

  /**
   * XR clients are told which level of detail to load: the outbound stage watches the queue delay
   * and the drain rate, and this actor pings the client every few heartbeats' worth of seconds for
   * its round trip.
   */
  private void startQualityTracking() {
    ActorRef<Command> self = getContext().getSelf();
    outbox.trackQuality(deps.xr(), q -> self.tell(new QualityChanged(q)));
    timers.startTimerWithFixedDelay(PingDue.INSTANCE, deps.ws().xrPingInterval());
  }

  private Behavior<Command> onPingDue() {
    if (!closing) {
      pingSentAt = deps.clock().millis();
      outbox.reply(new Ping(null, JsonNodeFactory.instance.numberNode(pingSentAt)));
    }
    return this;
  }

  private void onPong(Pong pong) {
    if (pingSentAt >= 0
        && pong.t() != null
        && pong.t().isNumber()
        && pong.t().asDouble() == pingSentAt) {
      outbox.roundTrip(Math.round(deps.clock().millis() - pingSentAt));
      pingSentAt = -1;
    }
  }

  private Behavior<Command> onQualityChanged(QualityChanged msg) {
    if (participant != null) {
      participant.tell(
          new ParticipantEntity.Report(
              connectionId, null, msg.quality().lod(), msg.quality().bytesPerSecond()));
    }
    return this;
  }

  /** An XR client with a device id: its participant outlives this connection. */
  private void attachParticipant() {
    participant =
        ParticipantEntity.ref(getContext().getSystem(), principal.subject(), clientDevice);
    getContext()
        .ask(
            ParticipantEntity.Remembered.class,
            participant,
            deps.askTimeout(),
            replyTo -> new ParticipantEntity.Attach(connectionId, replyTo),
            (remembered, error) -> new ParticipantAttached(remembered));
  }

  private Behavior<Command> onParticipantAttached(ParticipantAttached msg) {
    ParticipantEntity.Remembered r = msg.remembered();
    if (r != null && r.lod() != null && !closing) {
      // a headset back from a struggling connection starts at the detail it was told last
      outbox.quality(
          new io.tandem.protocol.Quality(
              r.lod(), "as on the previous connection", r.bytesPerSecond(), null));
    }
    return this;
  }

  private Behavior<Command> onPoseDue(PoseDue due) {
    Pose pose = unsentPoses.remove(due.session());
    Joined joined = sessions.get(due.session());
    if (pose != null && joined != null && !closing) {
      sendPose(joined, pose);
      lastPoseSent.put(due.session(), System.nanoTime());
    }
    return this;
  }

  private void sendPose(Joined joined, Pose pose) {
    var memberPose = ClientCommands.memberPose(pose.pose());
    deps.entities()
        .room(pose.session())
        .tell(new RoomEntity.SetPose(joined.memberId(), memberPose));
    long now = deps.clock().millis();
    if (participant != null && now - lastPoseReport >= deps.ws().poseReportInterval().toMillis()) {
      lastPoseReport = now;
      participant.tell(new ParticipantEntity.Report(connectionId, memberPose, null, null));
    }
  }

  // ------------------------------------------------------------------ recordings

  /**
   * Publishing is pipelined per recording: while one journal write is in flight, later publish
   * frames wait here and go to the entity together, as one write. Past {@code max-queued-publishes}
   * waiting frames the socket is not read until the queue drains.
   */
  private void onPublish(io.tandem.protocol.Publish publish) {
    Joined joined = publisher(publish);
    if (joined == null) {
      return;
    }
    if (publish.events().size() > deps.recordings().maxBatchEvents()) {
      reply(
          publish,
          ErrorCode.TOO_BIG,
          "at most " + deps.recordings().maxBatchEvents() + " events per publish");
      return;
    }
    if (publish.bytes() != null && publish.bytes().size() > deps.recordings().maxBytes()) {
      reply(publish, ErrorCode.TOO_BIG, "bytes over " + deps.recordings().maxBytes());
      return;
    }
    PublishQueue queue =
        publishing.computeIfAbsent(publish.session(), s -> new PublishQueue(joined.memberId()));
    queue.waiting.add(publish);
    queue.prepared.add(prepare(publish));
    if (!queue.inFlight) {
      sendPublishes(publish.session(), queue);
    } else if (queue.waiting.size() >= deps.recordings().maxQueuedPublishes()) {
      holdAck = true;
    }
  }

  /** Starts storing the frame's payload if it is large; the batch is ready when that is done. */
  private CompletionStage<RecordingEntity.Publication> prepare(io.tandem.protocol.Publish f) {
    byte[] bytes = f.bytes() == null ? null : f.bytes().bytes();
    long size = jsonSize(f.events()) + (bytes == null ? 0 : bytes.length);
    return payloads.publication(List.copyOf(f.events()), f.checkpoint(), f.isStatic(), bytes, size);
  }

  private void sendPublishes(SessionId session, PublishQueue queue) {
    List<io.tandem.protocol.Publish> frames = new ArrayList<>(queue.waiting);
    List<CompletableFuture<RecordingEntity.Publication>> prepared = new ArrayList<>();
    queue.prepared.forEach(p -> prepared.add(p.toCompletableFuture()));
    queue.waiting.clear();
    queue.prepared.clear();
    queue.inFlight = true;
    String memberId = queue.memberId;
    var recording = deps.entities().recording(session);
    // the batches in frame order, once every payload is stored; then one write in the entity
    CompletionStage<SessionReply> reply =
        CompletableFuture.allOf(prepared.toArray(CompletableFuture[]::new))
            .thenCompose(
                stored -> {
                  List<RecordingEntity.Publication> batches = new ArrayList<>(prepared.size());
                  prepared.forEach(p -> batches.add(p.join()));
                  return recording.ask(
                      (ActorRef<SessionReply> replyTo) ->
                          new RecordingEntity.Publish(memberId, List.copyOf(batches), replyTo),
                      deps.askTimeout());
                });
    getContext().pipeToSelf(reply, (ok, error) -> new PublishReplied(session, frames, ok, error));
  }

  private Behavior<Command> onPublishReplied(PublishReplied msg) {
    List<io.tandem.protocol.Publish> frames = msg.frames();
    for (int i = 0; i < frames.size(); i++) {
      io.tandem.protocol.Publish f = frames.get(i);
      if (msg.error() != null) {
        outbox.reply(
            new ErrorFrame(
                f.ref(),
                msg.session().toString(),
                ErrorCode.UNAVAILABLE,
                msg.session() + " did not answer in time, retry"));
      } else if (msg.reply() instanceof SessionReply.Published ok) {
        if (f.ref() != null) {
          outbox.reply(new Ok(f.ref(), msg.session(), ok.lastSeqs().get(i)));
        }
      } else if (msg.reply() instanceof SessionReply.Rejected no) {
        outbox.reply(new ErrorFrame(f.ref(), msg.session().toString(), no.code(), no.message()));
      }
    }
    PublishQueue queue = publishing.get(msg.session());
    if (queue != null) {
      queue.inFlight = false;
      if (!queue.waiting.isEmpty()) {
        sendPublishes(msg.session(), queue);
      }
    }
    if (heldAck != null) {
      heldAck.tell(Ack.INSTANCE);
      heldAck = null;
    }
    return this;
  }

  /** A map's put (publishers only): queued behind the one in flight, see {@link MapRequests}. */
  private void onPut(io.tandem.protocol.Put put) {
    Joined joined = publisher(put);
    if (joined != null && maps.put(put, joined.memberId())) {
      holdAck = true;
    }
  }

  private Behavior<Command> onPutsReplied(MapRequests.PutsReplied msg) {
    maps.onReplied(msg);
    if (heldAck != null) {
      heldAck.tell(Ack.INSTANCE);
      heldAck = null;
    }
    return this;
  }

  /** A map's control (any member): relayed to its publishers. */
  private void onControl(io.tandem.protocol.Control control) {
    Joined joined = sessions.get(control.session());
    if (joined == null) {
      reply(control, ErrorCode.NOT_JOINED, "not joined to " + control.session());
      return;
    }
    maps.control(control, joined.memberId());
  }

  private void onEnd(io.tandem.protocol.End end) {
    Joined joined = publisher(end);
    if (joined == null) {
      return;
    }
    Long ref = end.ref();
    SessionId session = end.session();
    getContext()
        .ask(
            SessionReply.class,
            deps.entities().recording(session),
            deps.askTimeout(),
            replyTo -> new RecordingEntity.End(joined.memberId(), replyTo),
            (reply, error) -> new EntityReplied(ref, session, reply, error));
  }

  /** The member if it joined as publisher; otherwise replies not_joined or forbidden. */
  private Joined publisher(SessionFrame frame) {
    return joinedAs(frame, Role.PUBLISHER, "publishing");
  }

  /**
   * The member if it joined as editor; otherwise replies not_joined or forbidden and gives null.
   */
  private Joined editor(SessionFrame frame) {
    return joinedAs(frame, Role.EDITOR, "editing");
  }

  /** The member if it joined with {@code role}; otherwise replies not_joined or forbidden. */
  private Joined joinedAs(SessionFrame frame, Role role, String activity) {
    Joined joined = sessions.get(frame.session());
    if (joined == null) {
      reply((ClientFrame) frame, ErrorCode.NOT_JOINED, "not joined to " + frame.session());
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

  private void askRoom(
      ClientFrame frame,
      java.util.function.Function<ActorRef<SessionReply>, RoomEntity.Command> command) {
    SessionId session = ((SessionFrame) frame).session();
    EntityRef<RoomEntity.Command> room = deps.entities().room(session);
    Long ref = frame.ref();
    getContext()
        .ask(
            SessionReply.class,
            room,
            deps.askTimeout(),
            command::apply,
            (reply, error) -> new EntityReplied(ref, session, reply, error, null));
  }

  /**
   * Sends a change to its room with this connection's answer adapter and a tag: no ask, no future,
   * no timer per change ({@link PendingAnswers}).
   */
  private void tellRoom(
      ClientFrame frame,
      Runnable onAccepted,
      java.util.function.Function<ReplyTo, RoomEntity.Command> command) {
    SessionId session = ((SessionFrame) frame).session();
    if (!journal.available()) {
      // its entity could neither store the change nor recover to answer: say so at once
      reply(frame, ErrorCode.UNAVAILABLE, "the journal (Cassandra) is unreachable, retry");
      return;
    }
    long now = System.nanoTime();
    long tag = pending.add(new Request(frame.ref(), session, onAccepted), now);
    if (!timers.isTimerActive(AnswerSweep.INSTANCE)) {
      timers.startSingleTimer(AnswerSweep.INSTANCE, deps.askTimeout());
    }
    deps.entities().room(session).tell(command.apply(new ReplyTo.Tagged(answers, tag)));
  }

  private Behavior<Command> onAnswered(Answered msg) {
    Request request = pending.take(msg.answer().tag());
    if (request != null) {
      onEntityReplied(
          new EntityReplied(
              request.ref(), request.session(), msg.answer().reply(), null, request.onAccepted()));
      readAfterAnswers();
    }
    // else: answered late, after the sweep had told the client unavailable
    return this;
  }

  private Behavior<Command> onAnswerSweep() {
    long now = System.nanoTime();
    for (Request request : pending.takeOverdue(now)) {
      onEntityReplied(
          new EntityReplied(
              request.ref(),
              request.session(),
              null,
              new java.util.concurrent.TimeoutException("no answer in " + deps.askTimeout()),
              null));
    }
    long next = pending.nanosToNextDeadline(now);
    if (next >= 0) {
      timers.startSingleTimer(AnswerSweep.INSTANCE, Duration.ofNanos(Math.max(next, 1_000_000)));
    }
    readAfterAnswers();
    return this;
  }

  private void readAfterAnswers() {
    if (ackAfterAnswers != null && pending.size() < deps.ws().maxChangesInFlight()) {
      ackAfterAnswers.tell(Ack.INSTANCE);
      ackAfterAnswers = null;
    }
  }

  private Behavior<Command> onEntityReplied(EntityReplied msg) {
    if (msg.onAccepted() != null && msg.reply() instanceof SessionReply.Accepted) {
      msg.onAccepted().run();
    }
    if (msg.error() != null) {
      outbox.reply(
          new ErrorFrame(
              msg.ref(),
              msg.session().toString(),
              ErrorCode.UNAVAILABLE,
              msg.session() + " did not answer in time, retry"));
    } else if (msg.reply() instanceof SessionReply.Accepted ok) {
      if (msg.ref() != null) {
        outbox.reply(new Ok(msg.ref(), msg.session(), ok.seq()));
      }
    } else if (msg.reply() instanceof SessionReply.Rejected no
        && no.code() == ErrorCode.NOT_JOINED
        && sessions.containsKey(msg.session())) {
      // this connection is joined, but the entity that answered does not know it: the session
      // moved to another node and our hub has not joined the new one yet. The hub joins again
      // (resuming from what the client got); the client sends the change again with its key.
      toHub(msg.session(), new SessionHub.Rejoin(connectionId));
      outbox.reply(
          new ErrorFrame(
              msg.ref(),
              msg.session().toString(),
              ErrorCode.UNAVAILABLE,
              msg.session() + " is moving to another node, retry"));
    } else if (msg.reply() instanceof SessionReply.Rejected no) {
      outbox.reply(new ErrorFrame(msg.ref(), msg.session().toString(), no.code(), no.message()));
    }
    return this;
  }

  private Behavior<Command> onMembershipChanged(MembershipChanged msg) {
    if (msg.change() instanceof SessionHub.JoinFailed f) {
      // forgotten before the client hears of it: a join sent at once after the error is new
      sessions.remove(f.session());
      outbound.mapPublishing().remove(f.session());
      outbox.reply(f.error());
    } else if (msg.change() instanceof SessionHub.TickRate t && sessions.containsKey(t.session())) {
      // poses go to the room at its own tick from now on
      // poses go at the new rate from the next one on
      roomTicks.put(t.session(), RoomSettings.tickOf(t.tickHz()));
    }
    return this;
  }

  private Behavior<Command> onResyncNeeded(ResyncNeeded msg) {
    if (sessions.containsKey(msg.session())) {
      toHub(msg.session(), new SessionHub.RequestRefresh(connectionId));
    }
    return this;
  }

  /** Hub traffic goes through the manager, which knows the session's hub on this node. */
  private void toHub(SessionId session, SessionHub.Local command) {
    deps.hubs().tell(new HubManager.Route(session, command));
  }

  // ------------------------------------------------------------------ timers and closing

  private Behavior<Command> onHelloTimeout() {
    if (principal == null && !closing) {
      TandemMetrics.helloFailed("timeout");
      close(
          CloseCode.HELLO_TIMEOUT, "no hello within " + deps.ws().helloTimeout().toSeconds() + "s");
    }
    return this;
  }

  private Behavior<Command> onHeartbeatCheck() {
    long silentFor = deps.clock().millis() - lastInboundMillis;
    if (!closing && silentFor > 3 * deps.ws().heartbeat().toMillis()) {
      close(CloseCode.GOING_AWAY, "no frame for three heartbeats");
    }
    return this;
  }

  private Behavior<Command> onTokenExpired() {
    if (!closing) {
      outbox.reply(new ErrorFrame(null, null, ErrorCode.UNAUTHORIZED, "token expired"));
      close(CloseCode.UNAUTHORIZED, "token expired");
    }
    return this;
  }

  private Behavior<Command> onDrain() {
    if (!closing) {
      outbox.reply(new io.tandem.protocol.Bye("draining"));
      close(CloseCode.DRAINING, "node draining");
    }
    return this;
  }

  private void close(CloseCode code, String reason) {
    if (!closing) {
      closing = true;
      leaveAll();
      outbox.close(code, reason);
    }
  }

  // ------------------------------------------------------------------ replay

  private record ReplayReady(Replay request, SessionSummary summary, Throwable error)
      implements Command {}

  private record ReplayFinished(SessionId session, long id) implements Command {}

  /** A running replay of one session on this connection. */
  private record Running(
      long id, Replays.Request request, ReplayPacer pacer, UniqueKillSwitch kill) {}

  private final Map<SessionId, Running> replays = new HashMap<>();
  private long replayIds;
  private final SessionIndex sessionIndex = new SessionIndex(getContext().getSystem());

  private void onReplay(Replay replay) {
    SessionId session = replay.session();
    if (!principal.grants().allows(session.kind().prefix(), session.name(), Right.READ)) {
      reply(replay, ErrorCode.FORBIDDEN, "no read grant for " + session);
      return;
    }
    // a replay holds a stream like a joined session: it counts toward the connection's cap
    if (!replays.containsKey(session)
        && sessions.size() + replays.size() >= deps.ws().maxSessionsPerConnection()) {
      reply(
          replay,
          ErrorCode.CONFLICT,
          "a connection joins or replays at most "
              + deps.ws().maxSessionsPerConnection()
              + " sessions");
      return;
    }
    // the session index answers "never existed" without starting the session's entity
    getContext()
        .pipeToSelf(
            sessionIndex
                .exists(session)
                .thenCompose(
                    known ->
                        known
                            ? deps.entities().summary(session, deps.askTimeout())
                            : java.util.concurrent.CompletableFuture.completedFuture(
                                (SessionSummary) null)),
            (summary, error) -> new ReplayReady(replay, summary, error));
  }

  private Behavior<Command> onReplayReady(ReplayReady msg) {
    Replay replay = msg.request();
    if (msg.error() != null) {
      reply(replay, ErrorCode.UNAVAILABLE, replay.session() + " did not answer in time, retry");
    } else if (msg.summary() == null || !msg.summary().exists()) {
      reply(replay, ErrorCode.NOT_FOUND, replay.session() + " never existed");
    } else if (!closing) {
      long until =
          replay.until() == null
              ? msg.summary().seq()
              : Math.min(replay.until(), msg.summary().seq());
      startReplay(
          new Replays.Request(replay.session(), replay.from(), until, replay.speed()),
          replay.ref());
    }
    return this;
  }

  /** Starts (or restarts) the session's replay; its first frame is the ok for {@code ref}. */
  private void startReplay(Replays.Request request, Long ref) {
    Running previous = replays.remove(request.session());
    if (previous != null) {
      previous.kill().shutdown();
    }
    ReplayPacer pacer = deps.replays().pacer(request.session(), request.speed());
    if (previous != null && previous.pacer().isPaused()) {
      pacer.pause();
    }
    long id = ++replayIds;
    SessionId session = request.session();
    var pair =
        deps.replays()
            .source(request, new Ok(ref, session, null), pacer, outbound.encoding(), deps.codec())
            .watchTermination(Keep.both())
            .toMat(outbound.replays(), Keep.left())
            .run(getContext().getSystem());
    replays.put(session, new Running(id, request, pacer, pair.first()));
    getContext().pipeToSelf(pair.second(), (done, error) -> new ReplayFinished(session, id));
  }

  private Behavior<Command> onReplayFinished(ReplayFinished msg) {
    Running r = replays.get(msg.session());
    if (r != null && r.id() == msg.id()) {
      replays.remove(msg.session());
    }
    return this;
  }

  private void withReplay(SessionFrame frame, java.util.function.Consumer<Running> control) {
    Running r = replays.get(frame.session());
    if (r == null) {
      reply(
          (ClientFrame) frame, ErrorCode.NOT_FOUND, "no replay of " + frame.session() + " running");
      return;
    }
    control.accept(r);
    ClientFrame f = (ClientFrame) frame;
    if (f.ref() != null) {
      outbox.reply(new Ok(f.ref(), frame.session(), null));
    }
  }

  private void onReplaySeek(ReplaySeek seek) {
    Running r = replays.get(seek.session());
    if (r == null) {
      reply(seek, ErrorCode.NOT_FOUND, "no replay of " + seek.session() + " running");
      return;
    }
    Replays.Request old = r.request();
    startReplay(
        new Replays.Request(old.session(), Math.max(1, seek.seq()), old.until(), r.pacer().speed()),
        seek.ref());
  }

  private Behavior<Command> onStop() {
    replays.values().forEach(r -> r.kill().shutdown());
    if (participant != null) {
      participant.tell(new ParticipantEntity.Detach(connectionId));
    }
    deps.registry().unregister(getContext().getSelf());
    leaveAll();
    return this;
  }

  private void leaveAll() {
    for (Map.Entry<SessionId, Joined> e : sessions.entrySet()) {
      detach(e.getKey());
      deps.entities().disconnect(e.getKey(), e.getValue().memberId());
    }
    sessions.clear();
    outbound.mapPublishing().clear();
  }

  private void detach(SessionId session) {
    publishing.remove(session);
    unsentPoses.remove(session);
    roomTicks.remove(session);
    lastPoseSent.remove(session);
    toHub(session, new SessionHub.Unsubscribe(connectionId));
    outbox.forget(session);
  }

  // ------------------------------------------------------------------ helpers

  private Behavior<Command> ack(ActorRef<Ack> ackTo) {
    ackTo.tell(Ack.INSTANCE);
    return this;
  }

  private void reply(ClientFrame frame, ErrorCode code, String message) {
    String session = frame instanceof SessionFrame sf ? sf.session().toString() : null;
    outbox.reply(new ErrorFrame(frame.ref(), session, code, message));
  }

  private String memberId() {
    return principal.subject() + "/" + connectionId;
  }

  private String clientName() {
    return clientName != null ? clientName : principal.subject();
  }

  private String clientKind() {
    return clientKind;
  }

  private static long jsonSize(List<JsonNode> events) {
    try {
      return JSON.writeValueAsBytes(events).length;
    } catch (Exception e) {
      return 0;
    }
  }

  private static boolean tooBig(JsonNode node, int maxBytes) {
    try {
      return JSON.writeValueAsBytes(node).length > maxBytes;
    } catch (Exception e) {
      return true;
    }
  }
}
