package io.tandem.node.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tandem.node.auth.AuthException;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.fanout.HubManager;
import io.tandem.node.fanout.Outbox;
import io.tandem.node.fanout.SessionHub;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.recording.RecordingSettings;
import io.tandem.node.replay.Replays;
import io.tandem.node.room.RoomSettings;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.StreamPosition;
import io.tandem.node.xr.XrSettings;
import io.tandem.protocol.Bye;
import io.tandem.protocol.ChangeSettings;
import io.tandem.protocol.ClientFrame;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.Control;
import io.tandem.protocol.DecodeResult;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.End;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.FrameType;
import io.tandem.protocol.Hello;
import io.tandem.protocol.Join;
import io.tandem.protocol.Leave;
import io.tandem.protocol.ObjectAction;
import io.tandem.protocol.Op;
import io.tandem.protocol.Ping;
import io.tandem.protocol.Pong;
import io.tandem.protocol.Pose;
import io.tandem.protocol.Presence;
import io.tandem.protocol.ProtocolError;
import io.tandem.protocol.Publish;
import io.tandem.protocol.Put;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * One per WebSocket connection, the way a Phoenix socket sits under its channels: it keeps hello
 * and the token, the heartbeat, closing, and the inbound gate (rate limit and malformed frames,
 * {@link InboundLimits}), joins and leaves, and hands every other frame, by its {@link FrameType},
 * to the channel of its session kind: {@link RoomChannel} (with {@link XrLink} for XR clients),
 * {@link RecordingChannel}, {@link MapChannel}, {@link ReplayChannel}. The channels are plain
 * classes owned by this actor and called on its thread; what they share with it is {@link
 * ConnectionScope}. Direct replies go into the connection's {@link Outbox}; session traffic does
 * not pass through here: hubs write to the outbox directly.
 *
 * <p>Why this file is over 500 lines: it declares the connection's whole message protocol (what the
 * socket's stream sends it) and its {@link Deps} with two older constructors that callers still
 * use; the handling itself (gate, hello, join and leave, closing) is one concern.
 *
 * <p>Inbound frames arrive with backpressure (one at a time, acknowledged), so a flooding client
 * slows only its own socket. Token verification that may fetch an issuer's keys runs on the
 * blocking dispatcher (a JWKS fetch may block); everything else is quick. Blocks on nothing.
 */
public final class ConnectionActor extends AbstractBehavior<ConnectionActor.Command> {

  /** What the actor accepts. Node-local: never serialized. */
  public interface Command extends org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /**
   * Asks the socket for the next inbound frame: one frame is handled at a time, and a frame's
   * request is what lets the next one in (a Pekko stream sink's ack, a Netty channel's read).
   */
  @FunctionalInterface
  public interface NextFrame {
    void request();
  }

  /** The inbound stream started. */
  public record StreamInit(NextFrame ackTo) implements Command {}

  /** One inbound frame, decoded or rejected; acknowledge it to get the next. */
  public record Inbound(NextFrame ackTo, Incoming incoming) implements Command {}

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

  /**
   * A session entity answered a request of this connection (by ask or pipe): ok or error frame, see
   * {@link ConnectionScope#answer}.
   */
  record EntityReplied(Long ref, SessionId session, SessionReply reply, Throwable error)
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

  private final ConnectionScope scope;
  private final TimerScheduler<Command> timers;
  private final String connectionId;
  private final Outbox outbox;
  private final Outbound outbound;
  private final Deps deps;
  private final Executor blocking;
  private final ActorRef<SessionHub.Membership> membershipAdapter;

  /** The frame rate, the run of refused frames and the malformed frames. */
  private final InboundLimits limits;

  // one channel per session kind, and the XR link the room channel reports to
  private final XrLink xr;
  private final RoomChannel room;
  private final RecordingChannel recording;
  private final MapChannel map;
  private final ReplayChannel replay;

  private boolean helloPending;
  private long lastInboundMillis;

  /** The hello waiting for its token check; acknowledged (and the next frame read) after it. */
  private NextFrame ackAfterHello;

  /** From hello's {@code client}; the name defaults to the token's subject. */
  private String clientName;

  private String clientKind = "browser";

  /** From hello's {@code client.device}: with kind xr, holds survive a reconnect (grace). */
  private String clientDevice;

  private ConnectionActor(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      String connectionId,
      Outbound outbound,
      Deps deps) {
    super(ctx);
    this.scope = new ConnectionScope(ctx, timers, connectionId, outbound, deps);
    this.timers = timers;
    this.connectionId = connectionId;
    this.outbox = outbound.outbox();
    this.outbound = outbound;
    this.deps = deps;
    this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.membershipAdapter =
        ctx.messageAdapter(SessionHub.Membership.class, MembershipChanged::new);
    this.limits = new InboundLimits(deps.ws(), deps.clock());
    this.xr = new XrLink(scope);
    this.room = new RoomChannel(scope, xr);
    this.recording = new RecordingChannel(scope);
    this.map = new MapChannel(scope);
    this.replay = new ReplayChannel(scope);
    this.lastInboundMillis = deps.clock().millis();
    deps.registry().register(ctx.getSelf());
    timers.startSingleTimer(HelloTimeout.INSTANCE, deps.ws().helloTimeout());
    timers.startTimerWithFixedDelay(HeartbeatCheck.INSTANCE, deps.ws().heartbeat());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        // the connection: inbound gate, hello, heartbeat, close
        .onMessage(StreamInit.class, msg -> ack(msg.ackTo()))
        .onMessage(Inbound.class, this::onInbound)
        .onMessage(HelloChecked.class, this::onHelloChecked)
        .onMessage(EntityReplied.class, this::onEntityReplied)
        .onMessage(MembershipChanged.class, this::onMembershipChanged)
        .onMessage(ResyncNeeded.class, this::onResyncNeeded)
        .onMessage(FrameTooLargeNow.class, msg -> tooLarge(msg.atLeastBytes()))
        .onMessageEquals(HelloTimeout.INSTANCE, this::onHelloTimeout)
        .onMessageEquals(HeartbeatCheck.INSTANCE, this::onHeartbeatCheck)
        .onMessageEquals(TokenExpired.INSTANCE, this::onTokenExpired)
        .onMessageEquals(Drain.INSTANCE, this::onDrain)
        .onMessageEquals(StreamEnded.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, signal -> onStop())
        // the channels' own messages
        .onMessage(RoomChannel.Answered.class, msg -> on(() -> room.onAnswered(msg)))
        .onMessageEquals(RoomChannel.AnswerSweep.INSTANCE, () -> on(room::onAnswerSweep))
        .onMessage(RoomChannel.PoseDue.class, msg -> on(() -> room.onPoseDue(msg)))
        .onMessage(XrLink.QualityChanged.class, msg -> on(() -> xr.onQualityChanged(msg)))
        .onMessageEquals(XrLink.PingDue.INSTANCE, () -> on(xr::onPingDue))
        .onMessage(XrLink.ParticipantAttached.class, msg -> on(() -> xr.onParticipantAttached(msg)))
        .onMessage(
            RecordingChannel.PublishReplied.class, msg -> on(() -> recording.onPublishReplied(msg)))
        .onMessage(MapChannel.PutsReplied.class, msg -> on(() -> map.onPutsReplied(msg)))
        .onMessage(MapChannel.ControlReplied.class, msg -> on(() -> map.onControlReplied(msg)))
        .onMessage(ReplayChannel.ReplayReady.class, msg -> on(() -> replay.onReplayReady(msg)))
        .onMessage(
            ReplayChannel.ReplayFinished.class, msg -> on(() -> replay.onReplayFinished(msg)))
        .build();
  }

  private Behavior<Command> on(Runnable handler) {
    handler.run();
    return this;
  }

  // ------------------------------------------------------------------ inbound gate

  private Behavior<Command> onInbound(Inbound msg) {
    lastInboundMillis = deps.clock().millis();
    if (scope.closing()) {
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
    if (!limits.takeFrame()) {
      limited(frame, "more than " + deps.ws().maxFramesPerSecond() + " frames per second");
      return ack(msg.ackTo());
    }
    if (scope.principal == null) {
      if (frame instanceof Hello hello && !helloPending) {
        helloPending = true;
        verify(hello);
        // the ack waits for the verification: nothing is read before the connection knows who it is
        ackAfterHello = msg.ackTo();
        return this;
      }
      TandemMetrics.helloFailed("not_hello");
      scope.reply(frame, ErrorCode.UNAUTHORIZED, "send hello with a token first");
      return ack(msg.ackTo());
    }
    try {
      handle(frame);
    } catch (RuntimeException | StackOverflowError e) {
      // one frame must never take the connection, let alone the node (a fatal Error would stop the
      // JVM): it is refused, and the connection goes on
      getContext().getLog().error("frame {} could not be handled", frame.type(), e);
      scope.reply(frame, ErrorCode.INTERNAL, "the frame could not be handled");
    }
    if (scope.keepIfHeld(msg.ackTo())) {
      // a publisher's queue is full: its next frame is read once the queue drains
      return this;
    }
    if (room.holdUntilAnswered(msg.ackTo())) {
      // back-pressure: the socket is read again once the rooms answered some of them
      return this;
    }
    return ack(msg.ackTo());
  }

  /**
   * Where each client frame goes, by its {@link FrameType}: the connection keeps hello, ping, join
   * and leave; the rest goes to the channel of its session kind.
   */
  private void handle(ClientFrame frame) {
    switch (frame.frameType()) {
      case PING -> onPing((Ping) frame);
      case PONG -> xr.onPong((Pong) frame); // an answer to a ping of ours: its round trip
      case HELLO ->
          scope.reply(frame, ErrorCode.CONFLICT, "hello was already accepted on this connection");
      case JOIN -> onJoin((Join) frame);
      case LEAVE -> onLeave((Leave) frame);
      case OP -> room.onOp((Op) frame);
      case OBJECT -> room.onObject((ObjectAction) frame);
      case PRESENCE -> room.onPresence((Presence) frame);
      case POSE -> room.onPose((Pose) frame);
      case CHANGE_SETTINGS -> room.onChangeSettings((ChangeSettings) frame);
      case PUBLISH -> recording.onPublish((Publish) frame);
      case END -> recording.onEnd((End) frame);
      case PUT -> map.onPut((Put) frame);
      case CONTROL -> map.onControl((Control) frame);
      case REPLAY -> replay.onReplay((Replay) frame);
      case REPLAY_PAUSE -> replay.onPause((ReplayPause) frame);
      case REPLAY_RESUME -> replay.onResume((ReplayResume) frame);
      case REPLAY_SPEED -> replay.onSpeed((ReplaySpeed) frame);
      case REPLAY_SEEK -> replay.onSeek((ReplaySeek) frame);
      default ->
          scope.reply(
              frame,
              ErrorCode.UNAVAILABLE,
              "'" + frame.type() + "' is not served by this node version yet");
    }
  }

  private Behavior<Command> tooLarge(long atLeastBytes) {
    if (!scope.closing()) {
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
      Principal principal = msg.principal();
      scope.principal = principal;
      if (msg.hello().client() != null) {
        if (msg.hello().client().name() != null && !msg.hello().client().name().isBlank()) {
          clientName = msg.hello().client().name();
        }
        if (msg.hello().client().kind() != null) {
          clientKind = msg.hello().client().kind().wire();
        }
        clientDevice = msg.hello().client().device();
        if ("xr".equals(clientKind)) {
          xr.startQualityTracking();
        }
        if (clientDevice != null && "xr".equals(clientKind)) {
          xr.attachParticipant(principal.subject(), clientDevice);
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
      ackAfterHello.request();
      ackAfterHello = null;
    }
    return this;
  }

  // ------------------------------------------------------------------ ping, join, leave

  private void onPing(Ping ping) {
    outbox.reply(new Pong(ping.ref(), ping.t(), deps.clock().millis()));
  }

  private void onJoin(Join join) {
    SessionId session = join.session();
    Right needed =
        switch (join.role()) {
          case VIEWER -> Right.READ;
          case EDITOR -> Right.WRITE;
          case PUBLISHER -> Right.PUBLISH;
        };
    if (!scope.principal.grants().allows(session.kind().prefix(), session.name(), needed)) {
      scope.reply(
          join, ErrorCode.FORBIDDEN, "no " + needed.name().toLowerCase() + " grant for " + session);
      return;
    }
    if (session.kind() == SessionKind.ROOM && join.role() == Role.PUBLISHER) {
      scope.reply(join, ErrorCode.FORBIDDEN, "rooms have viewers and editors, not publishers");
      return;
    }
    if (session.kind() == SessionKind.RECORDING && join.role() == Role.EDITOR) {
      scope.reply(join, ErrorCode.FORBIDDEN, "recordings have viewers and publishers, not editors");
      return;
    }
    if (session.kind() == SessionKind.MAP && join.role() == Role.EDITOR) {
      scope.reply(join, ErrorCode.FORBIDDEN, "maps have viewers and publishers, not editors");
      return;
    }
    if (scope.sessions.containsKey(session)) {
      scope.reply(join, ErrorCode.CONFLICT, "already joined to " + session);
      return;
    }
    if (scope.sessions.size() + replay.count() >= deps.ws().maxSessionsPerConnection()) {
      scope.reply(
          join,
          ErrorCode.CONFLICT,
          "a connection joins or replays at most "
              + deps.ws().maxSessionsPerConnection()
              + " sessions");
      return;
    }
    JsonNode presence =
        join.presence() == null ? JsonNodeFactory.instance.objectNode() : join.presence();
    if (ConnectionScope.tooBig(presence, deps.rooms().maxPresenceBytes())) {
      scope.reply(
          join, ErrorCode.TOO_BIG, "presence over " + deps.rooms().maxPresenceBytes() + " bytes");
      return;
    }
    scope.sessions.put(session, new ConnectionScope.Joined(scope.memberId(), join.role()));
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
                    scope.memberId(),
                    info,
                    join.ref(),
                    StreamPosition.of(join.since(), join.epoch()),
                    outbox,
                    membershipAdapter)));
  }

  private void onLeave(Leave leave) {
    ConnectionScope.Joined joined = scope.sessions.remove(leave.session());
    outbound.mapPublishing().remove(leave.session());
    if (joined == null) {
      scope.reply(leave, ErrorCode.NOT_JOINED, "not joined to " + leave.session());
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

  // ------------------------------------------------------------------ hubs and entities

  private Behavior<Command> onEntityReplied(EntityReplied msg) {
    scope.answer(msg.ref(), msg.session(), msg.reply(), msg.error());
    return this;
  }

  private Behavior<Command> onMembershipChanged(MembershipChanged msg) {
    if (msg.change() instanceof SessionHub.JoinFailed f) {
      // forgotten before the client hears of it: a join sent at once after the error is new
      scope.sessions.remove(f.session());
      outbound.mapPublishing().remove(f.session());
      outbox.reply(f.error());
    } else if (msg.change() instanceof SessionHub.TickRate t
        && scope.sessions.containsKey(t.session())) {
      // poses go at the new rate from the next one on
      room.onTickRate(t.session(), t.tickHz());
    } else if (msg.change() instanceof SessionHub.EntityAt at
        && scope.sessions.containsKey(at.session())) {
      room.entityAt(at.session(), at.entity());
    }
    return this;
  }

  private Behavior<Command> onResyncNeeded(ResyncNeeded msg) {
    if (scope.sessions.containsKey(msg.session())) {
      scope.toHub(msg.session(), new SessionHub.RequestRefresh(connectionId));
    }
    return this;
  }

  // ------------------------------------------------------------------ timers and closing

  private Behavior<Command> onHelloTimeout() {
    if (scope.principal == null && !scope.closing()) {
      TandemMetrics.helloFailed("timeout");
      close(
          CloseCode.HELLO_TIMEOUT, "no hello within " + deps.ws().helloTimeout().toSeconds() + "s");
    }
    return this;
  }

  private Behavior<Command> onHeartbeatCheck() {
    long silentFor = deps.clock().millis() - lastInboundMillis;
    if (!scope.closing() && silentFor > 3 * deps.ws().heartbeat().toMillis()) {
      close(CloseCode.GOING_AWAY, "no frame for three heartbeats");
    }
    return this;
  }

  private Behavior<Command> onTokenExpired() {
    if (!scope.closing()) {
      outbox.reply(new ErrorFrame(null, null, ErrorCode.UNAUTHORIZED, "token expired"));
      close(CloseCode.UNAUTHORIZED, "token expired");
    }
    return this;
  }

  private Behavior<Command> onDrain() {
    if (!scope.closing()) {
      outbox.reply(new Bye("draining"));
      close(CloseCode.DRAINING, "node draining");
    }
    return this;
  }

  private void close(CloseCode code, String reason) {
    if (scope.startClosing()) {
      leaveAll();
      outbox.close(code, reason);
    }
  }

  private Behavior<Command> onStop() {
    replay.stopAll();
    xr.detach();
    deps.registry().unregister(getContext().getSelf());
    leaveAll();
    return this;
  }

  private void leaveAll() {
    for (Map.Entry<SessionId, ConnectionScope.Joined> e : scope.sessions.entrySet()) {
      detach(e.getKey());
      deps.entities().disconnect(e.getKey(), e.getValue().memberId());
    }
    scope.sessions.clear();
    outbound.mapPublishing().clear();
  }

  private void detach(SessionId session) {
    recording.forget(session);
    room.forget(session);
    scope.toHub(session, new SessionHub.Unsubscribe(connectionId));
    outbox.forget(session);
  }

  // ------------------------------------------------------------------ helpers

  private Behavior<Command> ack(NextFrame ackTo) {
    ackTo.request();
    return this;
  }

  private String clientName() {
    return clientName != null ? clientName : scope.principal.subject();
  }

  private String clientKind() {
    return clientKind;
  }
}
