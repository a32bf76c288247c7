package io.tandem.node.participant;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.room.MemberPose;
import io.tandem.node.xr.XrSettings;
import io.tandem.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One XR client (a principal on one device, {@code hello.client.device}): a sharded, event-sourced
 * actor sharded by {@code principal|device}, living across its connections and across the loss of
 * its node. It knows the client's latest pose, what it holds in which room, its outbound bandwidth
 * estimate and the level of detail it was told to load. A connection attaches when it says hello
 * and gets what the previous one left; it reports while it runs and detaches when it closes.
 *
 * <p>What is persisted, and when (never once per pose): the connection that attached ({@link
 * Attached}); the level of detail with the bandwidth estimate when the level changes ({@link
 * LodChanged}); each change of a hold ({@link HoldTaken}, {@link HoldGivenUp}); at detach the last
 * pose, level and bandwidth with the detach time ({@link Detached}). Pose reports (once a second)
 * and bandwidth estimates without a level change stay in this actor only.
 *
 * <p>Invariants: only the attached connection changes the participant; the participant is forgotten
 * ({@link Forgotten}, which clears the state) once {@code grace} has passed since its last
 * connection detached, whether the timer of a live incarnation sees it or a later recovery does
 * (the clock decides: a detach time plus grace in the past reads as an empty participant). A
 * participant without a connection passivates itself after at most its grace. Holds themselves stay
 * the rooms' (they park them for their own grace period); this is what the device had. Blocks on
 * nothing.
 *
 * <p>Why this file is (just) over 500 lines: its state is a nested record with the rules of grace
 * and forgetting, kept beside the events that change it so the whole contract reads in one place.
 */
public final class ParticipantEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        ParticipantEntity.Command, ParticipantEntity.Event, ParticipantEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "participant");

  /** Registers participants with Cluster Sharding on this node. */
  public static void init(ActorSystem<?> system, XrSettings settings, Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx ->
                        create(
                            ctx.getEntityId(),
                            ctx.getShard(),
                            settings.participantGrace(),
                            settings.participantSnapshotEvery(),
                            clock))
                .withStopMessage(Stop.INSTANCE));
  }

  /** The participant of {@code principal} on {@code device}. */
  public static EntityRef<Command> ref(ActorSystem<?> system, String principal, String device) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, entityId(principal, device));
  }

  public static String entityId(String principal, String device) {
    return principal + "|" + device;
  }

  /**
   * The behavior of participant {@code entityId}. {@code shard} may be null outside sharding
   * (tests): the participant then stops itself instead of asking its shard to passivate it.
   */
  public static Behavior<Command> create(
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Duration grace,
      int snapshotEvery,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new ParticipantEntity(
                        entityId, shard, grace, snapshotEvery, clock, ctx, timers)));
  }

  /**
   * {@code participant|principal|device}. The entity id holds the {@code |} that {@link
   * PersistenceId#of} reserves as its separator, so the id is built whole; its first part is still
   * the entity type, as the journal's metrics read it.
   */
  public static PersistenceId persistenceId(String entityId) {
    return PersistenceId.ofUniqueId(ENTITY_KEY.name() + "|" + entityId);
  }

  // ---------------------------------------------------------------- commands

  /** What a participant accepts. */
  public interface Command extends CborSerializable {}

  /** A connection of this participant started; the answer is what the previous one left. */
  public record Attach(String connectionId, ActorRef<Remembered> replyTo) implements Command {}

  /**
   * What the connection knows now; a null part is unchanged. {@code lod} is {@code high} or {@code
   * low}.
   */
  public record Report(String connectionId, MemberPose pose, String lod, Long bytesPerSecond)
      implements Command {}

  /** The connection's member took ({@code held}) or gave up an object in a room. */
  public record Hold(String connectionId, String session, String objectId, boolean held)
      implements Command {}

  /** The connection closed; the grace period starts. */
  public record Detach(String connectionId) implements Command {}

  /** Sent by the shard to stop it (rebalance, passivation, shutdown). */
  public enum Stop implements Command {
    INSTANCE
  }

  /** Internal: the grace period may be over. */
  enum GraceOver implements Command {
    INSTANCE
  }

  /**
   * A participant as its new connection finds it: null parts were never reported (a new
   * participant, or one whose grace period ran out).
   */
  public record Remembered(
      MemberPose pose, String lod, Long bytesPerSecond, Map<String, List<String>> holds)
      implements CborSerializable {
    public boolean isEmpty() {
      return pose == null && lod == null && bytesPerSecond == null && holds.isEmpty();
    }
  }

  // ---------------------------------------------------------------- events

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Attached.class, name = "attached"),
    @JsonSubTypes.Type(value = LodChanged.class, name = "lod-changed"),
    @JsonSubTypes.Type(value = HoldTaken.class, name = "hold-taken"),
    @JsonSubTypes.Type(value = HoldGivenUp.class, name = "hold-given-up"),
    @JsonSubTypes.Type(value = Detached.class, name = "detached"),
    @JsonSubTypes.Type(value = Forgotten.class, name = "forgotten")
  })
  public interface Event extends CborSerializable {}

  /** {@code connectionId} became the participant's connection (a previous one is replaced). */
  public record Attached(String connectionId, long ts) implements Event {}

  /** The connection was told another level of detail; {@code bytesPerSecond} may be null. */
  public record LodChanged(String lod, Long bytesPerSecond) implements Event {}

  public record HoldTaken(String session, String objectId) implements Event {}

  public record HoldGivenUp(String session, String objectId) implements Event {}

  /** The connection closed at {@code ts}, leaving this pose, level and bandwidth. */
  public record Detached(
      String connectionId, MemberPose pose, String lod, Long bytesPerSecond, long ts)
      implements Event {}

  /** The grace period ran out at {@code ts}: the participant starts over. */
  public record Forgotten(long ts) implements Event {}

  // ---------------------------------------------------------------- state

  /**
   * What survives the participant's node. {@code connectionId} is the attached connection (null
   * once detached or forgotten); {@code detachedAt} the time the last one detached (null while one
   * is attached or when there is nothing to remember). {@code pose} and {@code bytesPerSecond} are
   * as of the last persisted event; the actor keeps newer ones. Immutable.
   */
  public record State(
      String connectionId,
      MemberPose pose,
      String lod,
      Long bytesPerSecond,
      Map<String, List<String>> holds,
      Long detachedAt)
      implements CborSerializable {

    public static final State EMPTY = new State(null, null, null, null, Map.of(), null);

    public State {
      holds = holds == null ? Map.of() : holds;
    }

    /** Whether nothing is remembered and no connection is attached. */
    @JsonIgnore
    public boolean isEmpty() {
      return connectionId == null && detachedAt == null;
    }

    public boolean holds(String session, String objectId) {
      return holds.getOrDefault(session, List.of()).contains(objectId);
    }

    State apply(Event event) {
      if (event instanceof Attached a) {
        return new State(a.connectionId(), pose, lod, bytesPerSecond, holds, null);
      } else if (event instanceof LodChanged l) {
        Long bps = l.bytesPerSecond() != null ? l.bytesPerSecond() : bytesPerSecond;
        return new State(connectionId, pose, l.lod(), bps, holds, detachedAt);
      } else if (event instanceof HoldTaken h) {
        return withHolds(changed(h.session(), h.objectId(), true));
      } else if (event instanceof HoldGivenUp h) {
        return withHolds(changed(h.session(), h.objectId(), false));
      } else if (event instanceof Detached d) {
        return new State(null, d.pose(), d.lod(), d.bytesPerSecond(), holds, d.ts());
      } else if (event instanceof Forgotten) {
        return EMPTY;
      }
      throw new IllegalArgumentException("unknown event " + event);
    }

    private State withHolds(Map<String, List<String>> h) {
      return new State(connectionId, pose, lod, bytesPerSecond, h, detachedAt);
    }

    private Map<String, List<String>> changed(String session, String objectId, boolean held) {
      Map<String, List<String>> out = new LinkedHashMap<>(holds);
      List<String> ids = new ArrayList<>(out.getOrDefault(session, List.of()));
      ids.remove(objectId);
      if (held) {
        ids.add(objectId);
      }
      if (ids.isEmpty()) {
        out.remove(session);
      } else {
        out.put(session, List.copyOf(ids));
      }
      return Collections.unmodifiableMap(out);
    }
  }

  // ---------------------------------------------------------------- the actor

  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Duration grace;
  private final int snapshotEvery;
  private final Clock clock;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final long startedAt = System.nanoTime();

  /**
   * Whether the state's connection is known to be alive in this incarnation: it attached here, or
   * reported or held since this incarnation recovered it. A connection recovered from the journal
   * may have died with the previous node; unconfirmed for the grace period, it counts as gone.
   */
  private boolean connectionConfirmed;

  /** When this incarnation recovered (clock ms): the start of an unconfirmed connection's grace. */
  private long recoveredAt;

  /** Reported since the last persisted event; never persisted on their own. */
  private MemberPose livePose;

  private Long liveBytesPerSecond;

  private ParticipantEntity(
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Duration grace,
      int snapshotEvery,
      Clock clock,
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers) {
    super(persistenceId(entityId));
    this.shard = shard;
    this.grace = grace;
    this.snapshotEvery = Math.max(1, snapshotEvery);
    this.clock = clock;
    this.ctx = ctx;
    this.timers = timers;
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .build();
  }

  private void onRecoveryCompleted(State state) {
    TandemMetrics.recovered("participant", System.nanoTime() - startedAt);
    recoveredAt = clock.millis();
    // whatever it is (new, detached, or with a connection that may have died with its node), it
    // is not kept in memory past its grace unless a connection shows up
    startGraceTimer(state);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Attach.class, this::onAttach)
        .onCommand(Report.class, this::onReport)
        .onCommand(Hold.class, this::onHold)
        .onCommand(Detach.class, this::onDetach)
        .onCommand(GraceOver.class, this::onGraceOver)
        .onCommand(Stop.class, (state, cmd) -> Effect().stop().thenNoReply())
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  private ReplyEffect<Event, State> onAttach(State state, Attach cmd) {
    timers.cancel(GraceOver.INSTANCE);
    if (cmd.connectionId().equals(state.connectionId()) && !expired(state)) {
      // the same connection again (a retried ask): nothing changes
      connectionConfirmed = true;
      return Effect().reply(cmd.replyTo(), remembered(state));
    }
    List<Event> events = new ArrayList<>(2);
    Remembered answer;
    if (expired(state)) {
      // its grace ran out while nobody ran the timer (the node died, or the stop came first)
      events.add(new Forgotten(clock.millis()));
      livePose = null;
      liveBytesPerSecond = null;
      answer = remembered(State.EMPTY);
    } else {
      answer = remembered(state);
    }
    events.add(new Attached(cmd.connectionId(), clock.millis()));
    connectionConfirmed = true;
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> answer);
  }

  private ReplyEffect<Event, State> onReport(State state, Report cmd) {
    if (!isCurrent(state, cmd.connectionId())) {
      return Effect().noReply();
    }
    connectionConfirmed = true;
    if (cmd.pose() != null) {
      livePose = cmd.pose();
    }
    if (cmd.bytesPerSecond() != null) {
      liveBytesPerSecond = cmd.bytesPerSecond();
    }
    if (cmd.lod() != null && !cmd.lod().equals(state.lod())) {
      return Effect()
          .persist(new LodChanged(cmd.lod(), currentBytesPerSecond(state)))
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onHold(State state, Hold cmd) {
    if (!isCurrent(state, cmd.connectionId())) {
      return Effect().noReply();
    }
    connectionConfirmed = true;
    if (cmd.held() == state.holds(cmd.session(), cmd.objectId())) {
      return Effect().noReply();
    }
    Event changed =
        cmd.held()
            ? new HoldTaken(cmd.session(), cmd.objectId())
            : new HoldGivenUp(cmd.session(), cmd.objectId());
    return Effect().persist(changed).thenNoReply();
  }

  private ReplyEffect<Event, State> onDetach(State state, Detach cmd) {
    // a newer connection that attached first keeps the participant
    if (!isCurrent(state, cmd.connectionId())) {
      return Effect().noReply();
    }
    connectionConfirmed = false;
    Detached detached =
        new Detached(
            cmd.connectionId(),
            currentPose(state),
            state.lod(),
            currentBytesPerSecond(state),
            clock.millis());
    return Effect().persist(detached).thenRun(this::startGraceTimer).thenNoReply();
  }

  private ReplyEffect<Event, State> onGraceOver(State state, GraceOver cmd) {
    if (state.connectionId() != null && connectionConfirmed) {
      return Effect().noReply();
    }
    long dueAt = graceStart(state) + grace.toMillis();
    long now = clock.millis();
    if (now < dueAt) {
      // the timer ran ahead of the clock (tests move it by hand): look again when it is due
      timers.startSingleTimer(GraceOver.INSTANCE, Duration.ofMillis(dueAt - now));
      return Effect().noReply();
    }
    if (state.isEmpty()) {
      return passivate();
    }
    return persistThenPassivate(new Forgotten(now));
  }

  // ---------------------------------------------------------------- helpers

  private boolean isCurrent(State state, String connectionId) {
    return connectionId.equals(state.connectionId());
  }

  /**
   * Whether the grace of a participant without a live connection has passed by the clock: it is
   * then empty, whatever the journal still says.
   */
  private boolean expired(State state) {
    if (state.isEmpty() || (state.connectionId() != null && connectionConfirmed)) {
      return false;
    }
    return clock.millis() >= graceStart(state) + grace.toMillis();
  }

  /** When the participant lost its connection, as far as this incarnation can tell. */
  private long graceStart(State state) {
    if (state.detachedAt() != null) {
      return state.detachedAt();
    }
    // attached in the journal but not heard from here, or empty: since the recovery
    return recoveredAt;
  }

  private void startGraceTimer(State state) {
    if (state.connectionId() != null && connectionConfirmed) {
      return;
    }
    long left = graceStart(state) + grace.toMillis() - clock.millis();
    timers.startSingleTimer(GraceOver.INSTANCE, Duration.ofMillis(Math.max(0, left)));
  }

  private MemberPose currentPose(State state) {
    return livePose != null ? livePose : state.pose();
  }

  private Long currentBytesPerSecond(State state) {
    return liveBytesPerSecond != null ? liveBytesPerSecond : state.bytesPerSecond();
  }

  private Remembered remembered(State state) {
    return new Remembered(
        currentPose(state), state.lod(), currentBytesPerSecond(state), state.holds());
  }

  private ReplyEffect<Event, State> persistThenPassivate(Forgotten forgotten) {
    livePose = null;
    liveBytesPerSecond = null;
    if (shard == null) {
      return Effect().persist(forgotten).thenStop().thenNoReply();
    }
    return Effect().persist(forgotten).thenRun(s -> askToPassivate()).thenNoReply();
  }

  private ReplyEffect<Event, State> passivate() {
    if (shard == null) {
      return Effect().stop().thenNoReply();
    }
    askToPassivate();
    return Effect().noReply();
  }

  private void askToPassivate() {
    shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }
}
