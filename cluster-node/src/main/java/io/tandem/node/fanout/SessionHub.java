package io.tandem.node.fanout;

import io.tandem.node.cluster.JournalAvailability;
import io.tandem.node.room.MemberPose;
import io.tandem.node.room.RoomChange;
import io.tandem.node.room.RoomView;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionUpdate;
import io.tandem.node.session.SessionView;
import io.tandem.node.session.StreamPosition;
import io.tandem.node.session.Subscriber;
import io.tandem.node.xr.FocusRanker;
import io.tandem.node.xr.Gaze;
import io.tandem.node.xr.Interest;
import io.tandem.node.xr.XrSettings;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.ObjectState;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.Resync;
import io.tandem.protocol.RoomSettings;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SessionKind;
import io.tandem.protocol.SettingsChanged;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The node-local end of one session's fan-out: one hub per session per node that has subscribers.
 *
 * <p>The session's entity registers this hub (not the clients) and sends each change once; the hub
 * turns it into a frame once ({@link OutFrame} encodes once per encoding) and hands it to the
 * outbox of every local connection in the session. All messages from the entity arrive in the order
 * it sent them, which keeps the rule "snapshot before any delta" per connection: a connection
 * becomes live here only when its snapshot was queued.
 *
 * <p>Resumes the entity cannot answer from memory are read from the journal here; live changes for
 * that connection wait meanwhile, so the client sees the missed changes, then the live ones, none
 * twice. When the last connection leaves, the hub retires through its {@link HubManager}. Blocks on
 * nothing.
 *
 * <p>The hub checks the sequence itself: it knows the last seq each connection got, drops what a
 * connection already has, and when a change arrives after a gap (a message lost between nodes) it
 * reads the missing changes from the journal before that connection sees anything later. It also
 * watches the entity incarnation that admitted its connections: when that one stops (its node
 * crashed or left, or its shard moved), the hub joins every connection again with {@code since} =
 * what it saw, so clients on this node keep their session without noticing more than a pause.
 *
 * <p>For the XR clients of a room it also ranks the room's shared objects by each one's gaze
 * ({@link Gaze}) whenever that receiver's head pose changes or an object is spawned, moved or
 * removed, and hands the ranking to the connection's outbox ({@link Outbox#focus}), which turns it
 * into the per-room level-of-detail recommendation. Object positions ({@link FocusRanker}) come
 * from the snapshots, the durable changes and the live moves the hub sees anyway; a hub that has
 * not seen the room's objects (its first connection resumed) asks the entity for a view of its own:
 * a {@code Refresh} without a connection id, answered by a {@link Subscriber.Refreshed} without
 * one.
 *
 * <p>Why this file is over 500 lines: the sequence rules (snapshot before delta, no gap, none
 * twice, rejoin after a move) hold across every kind of message the entity sends, and each kind's
 * handler has to read and move the same per-connection phase ({@code Sub}); split into several
 * classes they would share that mutable state through setters. What could stand alone does: the
 * objects' gaze order ({@link FocusRanker}), the journal reads ({@link JournalReader}), the frames
 * ({@link Frames}).
 */
public final class SessionHub extends AbstractBehavior<Subscriber.Message> {

  /** Local commands of a hub; never sent across the cluster. */
  public interface Local extends Subscriber.Message, NoSerializationVerificationNeeded {}

  /** Join the session on behalf of a local connection. */
  public record Subscribe(
      String connectionId,
      String memberId,
      MemberInfo info,
      Long ref,
      StreamPosition from,
      Outbox outbox,
      ActorRef<Membership> connection)
      implements Local {}

  /** The connection left the session or closed. */
  public record Unsubscribe(String connectionId) implements Local {}

  /** The entity answered the connection as if it were not joined: join it again. */
  public record Rejoin(String connectionId) implements Local {}

  /** The connection got {@code resync}: send it a fresh snapshot. */
  public record RequestRefresh(String connectionId) implements Local {}

  /** The manager routes nothing more to this hub: it stops. */
  enum RetireConfirmed implements Local {
    INSTANCE
  }

  /**
   * The journal is available again after an outage: joins waiting for an answer are sent again now,
   * not at their next timeout (the entity that got them failed its recovery).
   */
  enum RetryJoins implements Local {
    INSTANCE
  }

  private record JoinTimedOut(String connectionId) implements Local {}

  private record JournalRead(
      String connectionId, long upTo, List<SessionUpdate> changes, Throwable failure)
      implements Local {}

  /** What a hub tells a connection about its membership. */
  public sealed interface Membership extends NoSerializationVerificationNeeded {}

  /**
   * The join failed (or the joined session went away): the connection forgets the session, then
   * sends {@code error} to its client. Both happen in the connection actor, in that order, so a
   * client that joins again at once after the error is never told it is still joined.
   */
  public record JoinFailed(SessionId session, ErrorFrame error) implements Membership {}

  /** The room ticks at {@code tickHz}: the connection forwards poses to it at that rate. */
  public record TickRate(SessionId session, int tickHz) implements Membership {}

  /**
   * Where the room's entity runs now ({@code entity}), or null while it moves: the connection sends
   * a member's presence and poses straight to it instead of through sharding's region and shard
   * (two actors and two thread hand-offs fewer per frame). Both are ephemeral, and superseded by
   * the next one, so the few sent to an incarnation that stopped before the connection heard null
   * are lost like any ephemeral value overtaken; changes with an answer still go through sharding.
   */
  public record EntityAt(SessionId session, ActorRef<SessionCommand> entity)
      implements Membership {}

  private record EntityStopped(ActorRef<?> entity) implements Local {}

  /**
   * Time to send a connection's unanswered join (or refresh) again: a room's periodic copy, or one
   * after the last was lost (its own timer key).
   */
  private record JoinResend(String connectionId) implements Local {}

  /** How long after a lost join or refresh its copy goes. */
  static final Duration UNDELIVERED_PAUSE = Duration.ofMillis(100);

  /**
   * Settings of a hub.
   *
   * @param rejoinAttempts how often a connection's join is retried after the entity stopped (each
   *     waits {@code joinTimeout}) before the client gets {@code unavailable}
   * @param joinResendInterval how often a room's join without an answer is sent again within a try
   *     (zero: never)
   */
  public record Settings(
      Duration joinTimeout,
      int maxJournalResume,
      int maxCatchUpBuffer,
      int rejoinAttempts,
      XrSettings xr,
      Duration joinResendInterval) {
    public Settings(
        Duration joinTimeout, int maxJournalResume, int maxCatchUpBuffer, int rejoinAttempts) {
      this(
          joinTimeout,
          maxJournalResume,
          maxCatchUpBuffer,
          rejoinAttempts,
          XrSettings.DEFAULTS,
          Duration.ZERO);
    }
  }

  private enum Phase {
    /** The first join is on its way. */
    JOINING,
    /** The entity stopped: joining again, resuming from {@code delivered}. */
    REJOINING,
    /** Reading missed changes from the journal; live ones wait in {@code buffered}. */
    CATCHING_UP,
    /** Waiting for a fresh snapshot (after resync, or instead of a long catch-up). */
    REFRESHING,
    LIVE
  }

  private static final class Sub {
    final Subscribe request;
    Phase phase = Phase.JOINING;
    boolean joinAnswered;
    List<SessionUpdate> buffered;
    long catchUpTo;

    /** The last seq this connection was given (snapshot or change); -1 before its snapshot. */
    long delivered = -1;

    int rejoins;

    /** Where the join on its way resumes from (null: a snapshot). */
    StreamPosition joinFrom;

    /** Members whose newer pose this receiver has not got yet (outside its interest). */
    final Set<String> deferredPoses = new LinkedHashSet<>();

    /** The head pose the objects were last ranked for (XR receivers in rooms). */
    MemberPose.Part focusHead;

    /** A map's snapshot waiting for its parts, or null. */
    MapSnapshots.Pending mapSnapshot;

    /** A map's ephemeral values that wait until its missed changes are delivered, or null. */
    Map<String, com.fasterxml.jackson.databind.JsonNode> heldValues;

    Sub(Subscribe request) {
      this.request = request;
    }
  }

  public static Behavior<Subscriber.Message> create(
      SessionId session,
      SessionEntities entities,
      JournalReader journal,
      Settings settings,
      ActorRef<HubManager.Command> manager) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new SessionHub(ctx, timers, session, entities, journal, settings, manager)));
  }

  private final TimerScheduler<Subscriber.Message> timers;
  private final SessionId session;
  private final SessionEntities entities;
  private final JournalReader journal;
  private final Settings settings;
  private final ActorRef<HubManager.Command> manager;
  private final Map<String, Sub> subs = new HashMap<>();
  private final JournalAvailability journalAvailability;
  private boolean retiring;

  /** The entity incarnation whose answers this hub holds, watched; null before the first. */
  private ActorRef<?> entity;

  /** The members as the entity last told this hub (for the leave of members lost with it). */
  private final Map<String, MemberInfo> members = new HashMap<>();

  /**
   * The members this hub's clients knew when the entity stopped, until every rejoin is answered.
   */
  private Map<String, MemberInfo> membersBeforeRejoin = Map.of();

  /** The room's settings as its entity last told this hub; null for recordings. */
  private RoomSettings roomSettings;

  /** The session's epoch, from the last join answer. */
  private String epoch;

  /** The latest pose of every member of the session that sent one (for interest management). */
  private final Map<String, MemberPose> poses = new HashMap<>();

  private final Interest interest;

  /** A map's snapshot parts, built once per cut for every connection (null for other kinds). */
  private final MapSnapshots mapSnapshots;

  /** Where the room's shared objects are, to rank them by each XR receiver's gaze. */
  private final FocusRanker objects = new FocusRanker();

  private SessionHub(
      ActorContext<Subscriber.Message> ctx,
      TimerScheduler<Subscriber.Message> timers,
      SessionId session,
      SessionEntities entities,
      JournalReader journal,
      Settings settings,
      ActorRef<HubManager.Command> manager) {
    super(ctx);
    this.timers = timers;
    this.session = session;
    this.entities = entities;
    this.journal = journal;
    this.settings = settings;
    this.manager = manager;
    this.interest = new Interest(settings.xr());
    this.mapSnapshots = session.kind() == SessionKind.MAP ? new MapSnapshots(session) : null;
    this.journalAvailability = JournalAvailability.get(ctx.getSystem());
  }

  @Override
  public Receive<Subscriber.Message> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(RequestRefresh.class, this::onRequestRefresh)
        .onMessage(JoinTimedOut.class, this::onJoinTimedOut)
        .onMessage(JournalRead.class, this::onJournalRead)
        .onMessage(Subscriber.Admitted.class, this::onAdmitted)
        .onMessage(Subscriber.Resumed.class, this::onResumed)
        .onMessage(Subscriber.ResumeFromJournal.class, this::onResumeFromJournal)
        .onMessage(Subscriber.Refused.class, this::onRefused)
        .onMessage(Subscriber.Refreshed.class, this::onRefreshed)
        .onMessage(Subscriber.Updated.class, this::onUpdated)
        .onMessage(Subscriber.MembersChanged.class, this::onMembersChanged)
        .onMessage(Subscriber.PosesTicked.class, this::onPosesTicked)
        .onMessage(Subscriber.Settings.class, this::onSettings)
        .onMessage(Subscriber.MapPart.class, this::onMapPart)
        .onMessage(Subscriber.MapTicked.class, this::onMapTicked)
        .onMessage(Subscriber.MapEphemeral.class, this::onMapEphemeral)
        .onMessage(Subscriber.MapControl.class, this::onMapControl)
        .onMessage(EntityStopped.class, this::onEntityStopped)
        .onMessage(Subscriber.Moving.class, this::onMoving)
        .onMessage(Subscriber.Deleted.class, this::onDeleted)
        .onMessage(Rejoin.class, this::onRejoin)
        .onMessageEquals(RetireConfirmed.INSTANCE, Behaviors::stopped)
        .onMessageEquals(RetryJoins.INSTANCE, this::onRetryJoins)
        .onMessage(JoinResend.class, this::onJoinResend)
        .onMessage(Subscriber.Undelivered.class, this::onUndelivered)
        .build();
  }

  private Behavior<Subscriber.Message> onSubscribe(Subscribe cmd) {
    if (reroutedWhileRetiring(cmd)) {
      return this;
    }
    Sub previous = subs.put(cmd.connectionId(), new Sub(cmd));
    if (previous != null) {
      previous.request.outbox().forget(session);
    }
    sendJoin(subs.get(cmd.connectionId()), cmd.from());
    return this;
  }

  private void sendJoin(Sub sub, StreamPosition from) {
    Subscribe cmd = sub.request;
    timers.startSingleTimer(
        cmd.connectionId(), new JoinTimedOut(cmd.connectionId()), settings.joinTimeout());
    sub.joinFrom = from;
    joinAgain(sub);
  }

  /**
   * Sends {@code sub}'s join (again), from where its last {@link #sendJoin} said, and for a room
   * schedules the next copy: a join lost in a shard's hand-off or in a stopping incarnation's
   * mailbox would otherwise wait out the whole join timeout.
   */
  private void joinAgain(Sub sub) {
    Subscribe cmd = sub.request;
    // a rejoin carries the member's latest presence as this hub last saw it
    MemberInfo info = members.getOrDefault(cmd.memberId(), cmd.info());
    entities.join(
        session,
        cmd.memberId(),
        cmd.connectionId(),
        info,
        cmd.ref(),
        sub.joinFrom,
        getContext().getSelf());
    Duration every = settings.joinResendInterval();
    // not while Cassandra is away: the entity cannot recover to answer any copy (RetryJoins sends
    // them all again once it is back)
    if (session.kind() == SessionKind.ROOM
        && !every.isZero()
        && every.compareTo(settings.joinTimeout()) < 0
        && journalAvailability.available()) {
      timers.startSingleTimer(
          new JoinResend(cmd.connectionId()), new JoinResend(cmd.connectionId()), every);
    }
  }

  private Behavior<Subscriber.Message> onJoinResend(JoinResend msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub != null && (sub.phase == Phase.JOINING || sub.phase == Phase.REJOINING)) {
      joinAgain(sub);
    } else if (sub != null && sub.phase == Phase.REFRESHING) {
      entities.refresh(session, msg.connectionId(), getContext().getSelf());
    }
    return this;
  }

  /**
   * A connection's join or refresh reached no entity (dropped in a shard's hand-off, or left in a
   * stopping incarnation's mailbox; see {@code UndeliveredRequests}): it goes again after {@link
   * #UNDELIVERED_PAUSE}, within the same try and its timeout. A copy sent at once could reach the
   * same hand-off; a moment later the regions buffer it until the session's new home is known. A
   * connection whose join was answered meanwhile (the lost one was an older copy) is left alone.
   */
  private Behavior<Subscriber.Message> onUndelivered(Subscriber.Undelivered msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub != null
        && (sub.phase == Phase.JOINING
            || sub.phase == Phase.REJOINING
            || sub.phase == Phase.REFRESHING)) {
      JoinResend resend = new JoinResend(msg.connectionId());
      timers.startSingleTimer(resend, resend, UNDELIVERED_PAUSE);
    }
    return this;
  }

  private Behavior<Subscriber.Message> onUnsubscribe(Unsubscribe cmd) {
    if (reroutedWhileRetiring(cmd)) {
      return this;
    }
    subs.remove(cmd.connectionId());
    timers.cancel(cmd.connectionId());
    return retireIfIdle();
  }

  private Behavior<Subscriber.Message> onRequestRefresh(RequestRefresh cmd) {
    if (reroutedWhileRetiring(cmd)) {
      return this;
    }
    Sub sub = subs.get(cmd.connectionId());
    if (sub != null && sub.phase == Phase.LIVE) {
      sub.phase = Phase.REFRESHING;
      sub.rejoins = 0;
      askRefresh(sub);
    }
    return this;
  }

  private Behavior<Subscriber.Message> onJoinTimedOut(JoinTimedOut cmd) {
    Sub sub = subs.get(cmd.connectionId());
    if (sub == null) {
      return this;
    }
    if (sub.phase == Phase.REJOINING
        && (!journalAvailability.available() || ++sub.rejoins < settings.rejoinAttempts())) {
      // the session is moving to another node (its shard is being allocated), or cannot recover
      // while Cassandra is away (tries not counted: the connection stays joined, its changes are
      // answered `unavailable` meanwhile): ask again
      sendJoin(sub, delivered(sub));
      return this;
    }
    if (sub.phase == Phase.REFRESHING
        && (!journalAvailability.available() || ++sub.rejoins < settings.rejoinAttempts())) {
      // the refresh or its answer was lost (the entity's node went away, the session moved):
      // ask again rather than leave the connection without its snapshot and every later change
      askRefresh(sub);
      return this;
    }
    if (sub.phase == Phase.JOINING
        || sub.phase == Phase.REJOINING
        || sub.phase == Phase.REFRESHING) {
      subs.remove(cmd.connectionId());
      fail(sub, ErrorCode.UNAVAILABLE, session + " did not answer in time, retry");
      return retireIfIdle();
    }
    return this;
  }

  /** Asks the entity for a fresh view for {@code sub}, with a timeout like a join's. */
  private void askRefresh(Sub sub) {
    String connectionId = sub.request.connectionId();
    timers.startSingleTimer(connectionId, new JoinTimedOut(connectionId), settings.joinTimeout());
    entities.refresh(session, connectionId, getContext().getSelf());
  }

  private Behavior<Subscriber.Message> onAdmitted(Subscriber.Admitted msg) {
    Sub sub =
        answered(msg.connectionId(), msg.ref(), msg.memberId(), msg.entity(), msg.view().members());
    if (sub == null) {
      return this;
    }
    epoch = msg.view().epoch();
    takeObjects(msg.view());
    Outbox outbox = sub.request.outbox();
    if (sub.phase == Phase.REJOINING) {
      // the entity could not resume this connection (its history changed): start it over
      outbox.reply(new Resync(session));
    }
    OutFrame snapshot =
        new OutFrame(
            Frames.snapshot(
                sub.joinAnswered ? null : msg.ref(), session, msg.view(), roomSettings));
    if (awaitParts(sub, snapshot, msg.view())) {
      return this;
    }
    outbox.snapshot(session, snapshot);
    sub.delivered = msg.view().seq();
    goLive(sub);
    return this;
  }

  // ---------------------------------------------------------------- maps

  /**
   * A map's snapshot that did not fit one frame: the connection gets it only with all its parts,
   * which follow from the entity before anything else for the session. True when it waits.
   */
  private boolean awaitParts(Sub sub, OutFrame snapshot, SessionView view) {
    if (view.state() instanceof io.tandem.node.map.MapView map && map.parts() > 1) {
      sub.mapSnapshot = new MapSnapshots.Pending(snapshot, view.seq(), map.parts());
      return true;
    }
    return false;
  }

  private Behavior<Subscriber.Message> onMapPart(Subscriber.MapPart msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub == null || sub.mapSnapshot == null || sub.mapSnapshot.seq != msg.seq()) {
      return this;
    }
    MapSnapshots.Pending pending = sub.mapSnapshot;
    pending.got.add(mapSnapshots.part(msg));
    if (pending.complete()) {
      sub.mapSnapshot = null;
      Outbox outbox = sub.request.outbox();
      outbox.snapshot(session, pending.snapshot);
      pending.got.forEach(part -> outbox.snapshot(session, part));
      sub.delivered = pending.seq;
      goLive(sub);
      if (subs.values().stream().noneMatch(s -> s.mapSnapshot != null)) {
        mapSnapshots.clear();
      }
    }
    return this;
  }

  /** One tick of a map's ephemeral values: one shared frame per chunk for every live connection. */
  private Behavior<Subscriber.Message> onMapTicked(Subscriber.MapTicked msg) {
    for (Subscriber.EntryChunk chunk : msg.chunks()) {
      OutFrame shared = null;
      for (Sub sub : subs.values()) {
        if (sub.phase == Phase.LIVE && sub.mapSnapshot == null) {
          if (shared == null) {
            shared = new OutFrame(io.tandem.protocol.Changes.ephemeral(session, chunk.entries()));
          }
          sub.request.outbox().keyed(session, chunk.entries(), chunk.bytes(), shared);
        } else if (sub.phase == Phase.CATCHING_UP) {
          sub.heldValues = MapSnapshots.merge(sub.heldValues, chunk.entries());
        }
        // joining, rejoining or refreshing: the answer on its way holds these values
      }
    }
    return this;
  }

  /** Ephemeral values for one connection after its join answer. */
  private Behavior<Subscriber.Message> onMapEphemeral(Subscriber.MapEphemeral msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub == null) {
      return this;
    }
    for (Subscriber.EntryChunk chunk : msg.chunks()) {
      if (sub.phase == Phase.LIVE && sub.mapSnapshot == null) {
        sub.request
            .outbox()
            .keyed(
                session,
                chunk.entries(),
                chunk.bytes(),
                new OutFrame(io.tandem.protocol.Changes.ephemeral(session, chunk.entries())));
      } else if (sub.phase == Phase.CATCHING_UP) {
        sub.heldValues = MapSnapshots.merge(sub.heldValues, chunk.entries());
      }
    }
    return this;
  }

  /** The values that waited for the missed changes go out after them. */
  private void releaseHeldValues(Sub sub) {
    Map<String, com.fasterxml.jackson.databind.JsonNode> held = sub.heldValues;
    sub.heldValues = null;
    if (held != null && !held.isEmpty()) {
      // one offer: the outbound stage cuts it into frames
      for (Subscriber.EntryChunk chunk : io.tandem.node.map.MapChunks.of(held, Integer.MAX_VALUE)) {
        sub.request
            .outbox()
            .keyed(
                session,
                chunk.entries(),
                chunk.bytes(),
                new OutFrame(io.tandem.protocol.Changes.ephemeral(session, chunk.entries())));
      }
    }
  }

  /** A member's control, for the publishers of the map connected here. */
  private Behavior<Subscriber.Message> onMapControl(Subscriber.MapControl msg) {
    io.tandem.protocol.ControlRelayed frame =
        new io.tandem.protocol.ControlRelayed(session, msg.by(), msg.control());
    for (Sub sub : subs.values()) {
      if (msg.to().contains(sub.request.memberId())
          && sub.phase != Phase.JOINING
          && sub.phase != Phase.REJOINING) {
        sub.request.outbox().reply(frame);
      }
    }
    return this;
  }

  // ---------------------------------------------------------------- resumes and live changes

  private Behavior<Subscriber.Message> onResumed(Subscriber.Resumed msg) {
    Sub sub = answered(msg.connectionId(), msg.ref(), msg.memberId(), msg.entity(), msg.members());
    if (sub == null) {
      return this;
    }
    epoch = msg.epoch();
    Outbox outbox = sub.request.outbox();
    if (sub.phase == Phase.JOINING) {
      outbox.snapshot(
          session,
          new OutFrame(
              Frames.resumed(
                  msg.ref(), session, msg.since(), msg.epoch(), msg.members(), roomSettings)));
      sub.delivered = msg.since();
    } else {
      announceRejoin(sub, msg.members());
    }
    goLive(sub);
    boolean objectsChanged = false;
    for (SessionUpdate u : msg.changes()) {
      deliver(sub, u);
      objectsChanged |= trackObjects(u);
    }
    if (objectsChanged) {
      focusAll();
    }
    return this;
  }

  private Behavior<Subscriber.Message> onResumeFromJournal(Subscriber.ResumeFromJournal msg) {
    Sub sub = answered(msg.connectionId(), msg.ref(), msg.memberId(), msg.entity(), msg.members());
    if (sub == null) {
      return this;
    }
    epoch = msg.epoch();
    boolean firstJoin = sub.phase == Phase.JOINING;
    long missed = msg.upTo() - (firstJoin ? msg.since() : sub.delivered);
    if (missed > settings.maxJournalResume()) {
      // more missed changes than the connection may hold: a fresh snapshot is cheaper for both
      if (!firstJoin) {
        announceRejoin(sub, msg.members());
      }
      refreshInstead(sub);
      return this;
    }
    if (firstJoin) {
      sub.request
          .outbox()
          .snapshot(
              session,
              new OutFrame(
                  Frames.resumed(
                      msg.ref(), session, msg.since(), msg.epoch(), msg.members(), roomSettings)));
      sub.delivered = msg.since();
    } else {
      announceRejoin(sub, msg.members());
    }
    markAnswered(sub);
    // where the entity says the journal holds the change after its `since` (a lower bound for any
    // later one too)
    catchUp(sub, msg.upTo(), sub.delivered >= msg.since() ? msg.journalFrom() : 0);
    return this;
  }

  /**
   * Reads the changes {@code (sub.delivered, upTo]} from the journal, from sequence number {@code
   * journalFrom} on (0 when nothing better is known); live ones wait.
   */
  private void catchUp(Sub sub, long upTo, long journalFrom) {
    if (sub.phase != Phase.CATCHING_UP) {
      sub.phase = Phase.CATCHING_UP;
      sub.buffered = new ArrayList<>();
    }
    sub.catchUpTo = upTo;
    String connectionId = sub.request.connectionId();
    long from = sub.delivered;
    getContext()
        .pipeToSelf(
            journal.changes(session, from, upTo, journalFrom),
            (changes, failure) ->
                new JournalRead(
                    connectionId,
                    upTo,
                    changes == null ? null : List.copyOf(changes),
                    failure == null && !contiguous(changes, from, upTo)
                        ? new IllegalStateException("incomplete history")
                        : failure));
  }

  private Behavior<Subscriber.Message> onJournalRead(JournalRead msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub == null || sub.phase != Phase.CATCHING_UP || sub.catchUpTo != msg.upTo()) {
      return this;
    }
    if (msg.failure() != null) {
      // the journal cannot give every missed change: the client gets a fresh snapshot instead
      getContext()
          .getLog()
          .warn(
              "catching up {} from the journal failed ({}), sending a snapshot",
              session,
              msg.failure().toString());
      refreshInstead(sub);
      return this;
    }
    List<SessionUpdate> waiting = sub.buffered;
    sub.buffered = null;
    sub.phase = Phase.LIVE;
    for (SessionUpdate u : msg.changes()) {
      deliver(sub, u);
    }
    for (SessionUpdate u : waiting) {
      deliver(sub, u);
    }
    releaseHeldValues(sub);
    focus(sub);
    return this;
  }

  private Behavior<Subscriber.Message> onRefused(Subscriber.Refused msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub != null
        && (sub.phase == Phase.JOINING || sub.phase == Phase.REJOINING)
        && answers(sub, msg.ref())) {
      subs.remove(msg.connectionId());
      timers.cancel(msg.connectionId());
      fail(sub, msg.code(), msg.message());
      return retireIfIdle();
    }
    return this;
  }

  private Behavior<Subscriber.Message> onRefreshed(Subscriber.Refreshed msg) {
    if (msg.connectionId() == null) {
      // the view this hub asked for itself (object positions)
      objects.viewAnswered();
      takeObjects(msg.view());
      focusAll();
      return this;
    }
    takeObjects(msg.view());
    Sub sub = subs.get(msg.connectionId());
    if (sub != null && sub.phase == Phase.REFRESHING) {
      timers.cancel(msg.connectionId());
      // a join that turned into a refresh still owes the client the reply to its `ref`
      Long ref = sub.request.ref();
      boolean wasJoin = !sub.joinAnswered;
      OutFrame snapshot =
          new OutFrame(Frames.snapshot(wasJoin ? ref : null, session, msg.view(), roomSettings));
      if (awaitParts(sub, snapshot, msg.view())) {
        return this;
      }
      sub.request.outbox().snapshot(session, snapshot);
      sub.delivered = msg.view().seq();
      goLive(sub);
    }
    return this;
  }

  private Behavior<Subscriber.Message> onUpdated(Subscriber.Updated msg) {
    SessionUpdate u = msg.update();
    OutFrame shared = null;
    for (Sub sub : subs.values()) {
      if (sub.phase == Phase.LIVE && u.firstSeq() == sub.delivered + 1) {
        // the common case: the next change, encoded once for every connection
        if (shared == null) {
          shared = new OutFrame(Frames.update(session, u), u.ts());
        }
        sub.request.outbox().durable(session, u.seq(), shared);
        sub.delivered = u.seq();
      } else {
        deliver(sub, u);
      }
    }
    if (trackObjects(u)) {
      focusAll();
    }
    return this;
  }

  /**
   * Hands a change to one connection in seq order: what it already has is dropped, and a change
   * after a gap waits while the missing ones are read from the journal.
   */
  private void deliver(Sub sub, SessionUpdate u) {
    switch (sub.phase) {
      case LIVE -> {
        if (u.seq() <= sub.delivered) {
          return;
        }
        if (u.firstSeq() > sub.delivered + 1) {
          getContext()
              .getLog()
              .info(
                  "{}: a gap before seq {} (connection has {}), repairing from the journal",
                  session,
                  u.firstSeq(),
                  sub.delivered);
          catchUp(sub, u.firstSeq() - 1, 0);
          sub.buffered.add(u);
          return;
        }
        SessionUpdate part = u.firstSeq() <= sub.delivered ? u.after(sub.delivered) : u;
        sub.request
            .outbox()
            .durable(session, part.seq(), new OutFrame(Frames.update(session, part)));
        sub.delivered = u.seq();
      }
      case CATCHING_UP -> {
        if (sub.buffered.size() >= settings.maxCatchUpBuffer()) {
          refreshInstead(sub);
        } else {
          sub.buffered.add(u);
        }
      }
      default -> {
        // joining, rejoining or refreshing: the answer on its way holds this change
      }
    }
  }

  /**
   * The connection gets a fresh snapshot instead of the changes it missed; a client that already
   * has a view of the session is told first, with {@code resync} (protocol section 6).
   */
  private void refreshInstead(Sub sub) {
    if (sub.joinAnswered) {
      sub.request.outbox().reply(new Resync(session));
    }
    sub.phase = Phase.REFRESHING;
    sub.rejoins = 0;
    sub.buffered = null;
    sub.heldValues = null;
    askRefresh(sub);
  }

  /**
   * One room tick of poses: each live connection gets one {@code poses} frame with the others'
   * changed poses. With interest management, members outside a receiver's interest (far and out of
   * its view cone) wait and go out every {@code reducedEvery} ticks, with their latest pose. Each
   * pose is converted to its wire form once per tick, whatever the number of receivers.
   */
  private Behavior<Subscriber.Message> onPosesTicked(Subscriber.PosesTicked msg) {
    poses.putAll(msg.poses());
    Map<String, PoseData> wire = new HashMap<>();
    msg.poses().forEach((id, p) -> wire.put(id, Frames.pose(p)));
    Map<String, ObjectState> objects =
        msg.objects() == null || msg.objects().isEmpty()
            ? null
            : Frames.objectStates(msg.objects());
    XrSettings xr = settings.xr();
    boolean everyone = !xr.interest() || msg.tick() % xr.reducedEvery() == 0;
    for (Sub sub : subs.values()) {
      if (sub.phase != Phase.LIVE && sub.phase != Phase.CATCHING_UP) {
        continue;
      }
      String self = sub.request.memberId();
      Map<String, PoseData> out = new LinkedHashMap<>();
      if (!xr.interest()) {
        msg.poses().keySet().forEach(id -> addPose(out, id, self, wire));
      } else {
        sub.deferredPoses.addAll(msg.poses().keySet());
        sub.deferredPoses.remove(self);
        MemberPose me = poses.get(self);
        for (var it = sub.deferredPoses.iterator(); it.hasNext(); ) {
          String id = it.next();
          MemberPose theirs = poses.get(id);
          if (theirs == null) {
            it.remove();
          } else if (everyone || interest.of(me, theirs)) {
            it.remove();
            addPose(out, id, self, wire);
          }
        }
      }
      if (!out.isEmpty() || objects != null) {
        sub.request.outbox().poses(session, msg.tick(), out, objects);
      }
    }
    focusAfterTick(msg);
    return this;
  }

  // ---------------------------------------------------------------- objects by gaze

  /** Whether this connection gets the per-room level-of-detail recommendation. */
  private boolean ranksObjects(Sub sub) {
    return session.kind() == SessionKind.ROOM && "xr".equals(sub.request.info().kind());
  }

  /** A snapshot of the room: its objects replace the hub's unless they are older. */
  private void takeObjects(SessionView view) {
    if (view.state() instanceof RoomView room) {
      objects.view(view.seq(), room.objects());
    }
  }

  /**
   * Follows a durable change of the room's objects; true when one was spawned, moved or removed.
   * After a gap the positions are forgotten until a fresh view arrives (asked for when an XR
   * receiver needs them).
   */
  private boolean trackObjects(SessionUpdate u) {
    if (!(u instanceof RoomChange change)) {
      return false;
    }
    return switch (objects.follow(u.firstSeq(), u.seq(), change.objects())) {
      case MOVED -> true;
      case LOST -> {
        focusAll();
        yield false;
      }
      case UNCHANGED -> false;
    };
  }

  /** After a tick: live moves re-rank every XR receiver; otherwise only those whose head moved. */
  private void focusAfterTick(Subscriber.PosesTicked msg) {
    boolean moved = objects.moveLive(msg.objects());
    for (Sub sub : subs.values()) {
      MemberPose mine = msg.poses().get(sub.request.memberId());
      if (moved || (mine != null && !Objects.equals(mine.head(), sub.focusHead))) {
        focus(sub);
      }
    }
  }

  private void focusAll() {
    subs.values().forEach(this::focus);
  }

  /** Hands an XR receiver the room's objects in the order of its gaze. */
  private void focus(Sub sub) {
    if (!ranksObjects(sub) || (sub.phase != Phase.LIVE && sub.phase != Phase.CATCHING_UP)) {
      return;
    }
    if (!objects.known()) {
      if (objects.askForView()) {
        // a view for this hub itself: no connection waits for it
        entities.refresh(session, null, getContext().getSelf());
      }
      return;
    }
    MemberPose me = poses.get(sub.request.memberId());
    sub.focusHead = me == null ? null : me.head();
    sub.request.outbox().focus(session, objects.rank(me));
  }

  private void addPose(
      Map<String, PoseData> out, String id, String self, Map<String, PoseData> wire) {
    if (!id.equals(self)) {
      out.put(id, wire.computeIfAbsent(id, k -> Frames.pose(poses.get(k))));
    }
  }

  // ---------------------------------------------------------------- members, rejoins, answers

  private Behavior<Subscriber.Message> onMembersChanged(Subscriber.MembersChanged msg) {
    msg.members()
        .forEach(
            (id, info) -> {
              if (info == null) {
                poses.remove(id);
                members.remove(id);
              } else {
                members.put(id, info);
              }
            });
    Map<String, io.tandem.protocol.MemberEntry> entries = null;
    OutFrame frame = null;
    for (Sub sub : subs.values()) {
      if (sub.phase == Phase.LIVE || sub.phase == Phase.CATCHING_UP) {
        if (entries == null) {
          entries = Frames.members(msg.members());
          // one frame for every connection here: encoded once per encoding, not per receiver
          frame = new OutFrame(new io.tandem.protocol.PresenceChanged(session, entries));
        }
        sub.request.outbox().members(session, entries, frame);
      }
    }
    return this;
  }

  /**
   * The entity incarnation that held this hub's connections stopped: its node crashed or left, or
   * its shard moved. Every connection joins again, resuming from the last seq it got; sharding
   * starts the entity wherever its shard now lives, and it recovers from the journal.
   */
  private Behavior<Subscriber.Message> onEntityStopped(EntityStopped msg) {
    if (!msg.entity().equals(entity)) {
      return this;
    }
    entity = null;
    // a request for the room's objects may have been lost with it
    objects.viewAnswered();
    getContext()
        .getLog()
        .info("{} stopped where it ran; joining its {} connections again", session, subs.size());
    rejoinAll(null);
    return this;
  }

  /** Joins every connection but {@code except} again, each resuming from what it got. */
  private void rejoinAll(String except) {
    membersBeforeRejoin = Map.copyOf(members);
    members.clear();
    for (Sub sub : subs.values()) {
      if (sub.request.connectionId().equals(except)) {
        continue;
      }
      sub.rejoins = 0;
      sub.buffered = null;
      if (session.kind() == SessionKind.ROOM) {
        // presence and poses go through sharding until the next incarnation answers
        sub.request.connection().tell(new EntityAt(session, null));
      }
      if (sub.phase == Phase.JOINING) {
        sendJoin(sub, sub.request.from());
      } else if (sub.delivered < 0) {
        // refreshing before a first snapshot: a plain join gives one
        sub.phase = Phase.JOINING;
        sendJoin(sub, null);
      } else {
        sub.phase = Phase.REJOINING;
        sendJoin(sub, delivered(sub));
      }
    }
  }

  /**
   * The session was deleted: every connection gets {@code error{not_found, session}} (with its
   * join's {@code ref} when that join was not answered yet) and is no longer joined; the entity
   * already forgot them. A later join starts the session afresh.
   */
  private Behavior<Subscriber.Message> onDeleted(Subscriber.Deleted msg) {
    for (Sub sub : subs.values()) {
      timers.cancel(sub.request.connectionId());
      fail(sub, ErrorCode.NOT_FOUND, session + " was deleted");
    }
    subs.clear();
    members.clear();
    if (entity != null) {
      getContext().unwatch(entity);
      entity = null;
    }
    return retireIfIdle();
  }

  /** The entity is stopping to move to another node: rejoin now rather than at its Terminated. */
  private Behavior<Subscriber.Message> onMoving(Subscriber.Moving msg) {
    return onEntityStopped(new EntityStopped(msg.entity()));
  }

  private Behavior<Subscriber.Message> onRejoin(Rejoin cmd) {
    if (reroutedWhileRetiring(cmd)) {
      return this;
    }
    Sub sub = subs.get(cmd.connectionId());
    if (sub != null && sub.phase == Phase.LIVE) {
      sub.phase = Phase.REJOINING;
      sub.rejoins = 0;
      membersBeforeRejoin = Map.copyOf(members);
      sendJoin(sub, delivered(sub));
    }
    return this;
  }

  private Behavior<Subscriber.Message> onRetryJoins() {
    for (Sub sub : subs.values()) {
      if (sub.phase == Phase.JOINING) {
        sendJoin(sub, sub.request.from());
      } else if (sub.phase == Phase.REJOINING) {
        sendJoin(sub, delivered(sub));
      }
    }
    return this;
  }

  /**
   * Where {@code sub} stands: the last change it got, in the epoch of the session's history as this
   * hub knows it (from its connections' answers).
   */
  private StreamPosition delivered(Sub sub) {
    return new StreamPosition(sub.delivered, epoch);
  }

  /**
   * A rejoined connection: its client still shows the members it knew; those the entity no longer
   * has (they were on the node that went away) leave, the others are confirmed.
   */
  private void announceRejoin(Sub sub, Map<String, MemberInfo> now) {
    Map<String, MemberInfo> change = new HashMap<>();
    membersBeforeRejoin.keySet().stream()
        .filter(id -> !now.containsKey(id))
        .forEach(id -> change.put(id, null));
    change.putAll(now);
    if (!change.isEmpty()) {
      sub.request.outbox().members(session, Frames.members(change));
    }
  }

  /** Whether {@code changes} are exactly the seqs {@code (since, upTo]}, each once, in order. */
  private static boolean contiguous(List<SessionUpdate> changes, long since, long upTo) {
    if (changes == null) {
      return false;
    }
    long next = since + 1;
    for (SessionUpdate u : changes) {
      if (u.firstSeq() != next) {
        return false;
      }
      next = u.seq() + 1;
    }
    return next == upTo + 1;
  }

  /**
   * The connection waiting for this join answer, or null when there is none (then the member is
   * dropped) or when the answer is to an earlier join of the connection. Watches the answering
   * entity and takes its member list.
   */
  private Sub answered(
      String connectionId,
      Long ref,
      String memberId,
      ActorRef<?> from,
      Map<String, MemberInfo> view) {
    Sub sub = subs.get(connectionId);
    if (sub == null || (sub.phase != Phase.JOINING && sub.phase != Phase.REJOINING)) {
      // the connection left or timed out meanwhile: the entity must not keep a ghost member
      if (sub == null) {
        entities.disconnect(session, memberId);
      }
      return null;
    }
    if (!answers(sub, ref)) {
      // an earlier join of this connection that timed out (its client got `unavailable` and joined
      // again) was held where the session was moving and answered now: the join the client waits
      // for follows it to the entity and gets its own answer, with its own ref. Taking this one
      // would answer the client's earlier ref, and the one it waits for never. The member stays:
      // the newer join is for it.
      return null;
    }
    timers.cancel(connectionId);
    timers.cancel(new JoinResend(connectionId));
    sub.mapSnapshot = null;
    if (!from.equals(entity)) {
      if (entity != null) {
        // a new incarnation answered (the session moved while this join was on its way): the
        // old one is stopping or gone, and the connections it held must join the new one
        getContext().unwatch(entity);
        rejoinAll(connectionId);
      }
      entity = from;
      getContext().watchWith(from, new EntityStopped(from));
    }
    members.putAll(view);
    if (roomSettings != null) {
      sub.request.connection().tell(new TickRate(session, roomSettings.tickHz()));
    }
    if (session.kind() == SessionKind.ROOM) {
      sub.request.connection().tell(new EntityAt(session, from.unsafeUpcast()));
    }
    return sub;
  }

  /**
   * The room's settings: before a join answer (kept for the snapshot), or changed by an editor
   * (every member that has its snapshot is told, and its connection forwards poses at the new
   * tick).
   */
  private Behavior<Subscriber.Message> onSettings(Subscriber.Settings msg) {
    roomSettings = new RoomSettings(msg.tickHz());
    if (msg.by() != null) {
      SettingsChanged frame = new SettingsChanged(session, roomSettings, msg.by());
      for (Sub sub : subs.values()) {
        if (sub.phase != Phase.JOINING && sub.phase != Phase.REJOINING) {
          sub.request.outbox().reply(frame);
          sub.request.connection().tell(new TickRate(session, msg.tickHz()));
        }
      }
    }
    return this;
  }

  private void goLive(Sub sub) {
    sub.phase = Phase.LIVE;
    markAnswered(sub);
    focus(sub);
  }

  /**
   * Whether an entity's answer carrying {@code ref} answers {@code sub}'s join: every try of one
   * join (the first and the rejoins after the entity stopped) carries the ref of the connection's
   * {@code join} frame, so an answer with another ref is to an earlier join frame of the connection
   * that already got its answer ({@code unavailable} after the join timeout).
   */
  private static boolean answers(Sub sub, Long ref) {
    return Objects.equals(ref, sub.request.ref());
  }

  /** The join's reply (with its ref) went out; a later refresh is a plain snapshot. */
  private void markAnswered(Sub sub) {
    sub.joinAnswered = true;
  }

  /**
   * The connection is not joined any more: its client gets the error with its join's {@code ref}
   * when that join is still unanswered, else without a {@code ref} (a rejoin after the entity moved
   * gave up: the client must join again; the ref of its first join, answered long ago, would match
   * nothing it waits for).
   */
  private void fail(Sub sub, ErrorCode code, String message) {
    ErrorFrame error =
        new ErrorFrame(
            sub.joinAnswered ? null : sub.request.ref(), session.toString(), code, message);
    sub.request.connection().tell(new JoinFailed(session, error));
  }

  /**
   * A hub on its way out sends local commands back through the manager, which routes them to a
   * fresh hub: none is lost to a stopping hub.
   */
  private boolean reroutedWhileRetiring(Local cmd) {
    if (retiring) {
      manager.tell(new HubManager.Route(session, cmd));
    }
    return retiring;
  }

  private Behavior<Subscriber.Message> retireIfIdle() {
    if (subs.isEmpty() && !retiring) {
      retiring = true;
      manager.tell(new HubManager.Retire(session, getContext().getSelf()));
    }
    return this;
  }
}
