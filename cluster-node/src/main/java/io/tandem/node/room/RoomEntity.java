package io.tandem.node.room;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.ReplyTo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionCommand.Delete;
import io.tandem.node.session.SessionCommand.Disconnect;
import io.tandem.node.session.SessionCommand.GetSummary;
import io.tandem.node.session.SessionCommand.HistoryDeleted;
import io.tandem.node.session.SessionCommand.HubTerminated;
import io.tandem.node.session.SessionCommand.IdleCheck;
import io.tandem.node.session.SessionCommand.Join;
import io.tandem.node.session.SessionCommand.Leave;
import io.tandem.node.session.SessionCommand.Refresh;
import io.tandem.node.session.SessionCommand.Stop;
import io.tandem.node.session.SessionCommand.Tick;
import io.tandem.node.session.SessionDeletion;
import io.tandem.node.session.SessionIndex;
import io.tandem.node.session.SessionLifecycle;
import io.tandem.node.session.SessionMembers;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionView;
import io.tandem.node.session.Subscriber;
import io.tandem.node.xr.RoomMotion;
import io.tandem.persistence.CborSerializable;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
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
 * A collaboration room ({@code room:<name>}): one sharded, event-sourced actor per room.
 *
 * <p>Durable state (document, shared objects and their holds) changes only through persisted
 * events, one event per durable change, each with the room's next {@code seq}. Members and their
 * presence are ephemeral: kept in this actor only, announced to subscribers in batches at the room
 * tick, never persisted. Every change is published once per subscribed node (its session hub),
 * never once per client; a hub that dies takes its members with it.
 *
 * <p>Invariants: {@code seq} grows by exactly 1 per change; a hold belongs to a current member; a
 * member that leaves or disconnects, or holds without a move for the hold timeout, loses its holds
 * through a durable change. Blocks on nothing.
 *
 * <p>Why this file is over 500 lines: it is the room's whole contract in one place, as Pekko's
 * event-sourced examples keep it: the commands and events (whose stable names are the journal's and
 * the cluster's, {@code NodeManifests}), the handlers by phase and the one event handler. The rules
 * that need no actor live beside it and are tested alone: the document ({@link DocTree}), holds and
 * objects ({@link RoomState}), the keyed change log ({@link KeyLog}), live motion ({@link
 * RoomMotion}), members and timers ({@link SessionLifecycle}).
 */
public final class RoomEntity
    extends EventSourcedBehaviorWithEnforcedReplies<SessionCommand, RoomEntity.Event, RoomState> {

  public static final EntityTypeKey<SessionCommand> ENTITY_KEY =
      EntityTypeKey.create(SessionCommand.class, "room");

  /** Registers rooms with Cluster Sharding on this node. */
  public static void init(ActorSystem<?> system, RoomSettings settings, Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), ctx.getShard(), settings, clock))
                .withStopMessage(Stop.INSTANCE));
  }

  /**
   * The room behavior. {@code shard} may be null outside sharding (tests): the room then never
   * passivates.
   */
  public static Behavior<SessionCommand> create(
      String roomName,
      ActorRef<ClusterSharding.ShardCommand> shard,
      RoomSettings settings,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new RoomEntity(roomName, shard, settings, clock, ctx, timers)));
  }

  /** The persistence id of a room, also used by replay and resume queries. */
  public static PersistenceId persistenceId(String roomName) {
    return PersistenceId.of(ENTITY_KEY.name(), roomName);
  }

  // ---------------------------------------------------------------- commands

  /** What a room accepts. */
  public interface Command extends SessionCommand {}

  /**
   * Apply doc edits atomically, as one change. With an idempotency {@code key} (or null), a change
   * the room already applied under the same key and principal is answered with its seq instead.
   */
  public record Edit(String memberId, List<DocEdit> ops, ReplyTo replyTo, String key)
      implements Command, SessionCommand.Tagged {
    public Edit(String memberId, List<DocEdit> ops, ActorRef<SessionReply> replyTo, String key) {
      this(memberId, ops, ReplyTo.of(replyTo), key);
    }

    public Edit(String memberId, List<DocEdit> ops, ActorRef<SessionReply> replyTo) {
      this(memberId, ops, ReplyTo.of(replyTo), null);
    }
  }

  /** An action on a shared object; {@code key} as for {@link Edit}. */
  public record ChangeObject(
      String memberId,
      ObjectAction action,
      String id,
      String asset,
      ObjectTransform transform,
      ReplyTo replyTo,
      String key)
      implements Command, SessionCommand.Tagged {
    public ChangeObject(
        String memberId,
        ObjectAction action,
        String id,
        String asset,
        ObjectTransform transform,
        ActorRef<SessionReply> replyTo,
        String key) {
      this(memberId, action, id, asset, transform, ReplyTo.of(replyTo), key);
    }

    public ChangeObject(
        String memberId,
        ObjectAction action,
        String id,
        String asset,
        ObjectTransform transform,
        ActorRef<SessionReply> replyTo) {
      this(memberId, action, id, asset, transform, ReplyTo.of(replyTo), null);
    }
  }

  /** Replace the member's presence; ephemeral, announced at the next tick. */
  public record SetPresence(String memberId, JsonNode presence) implements Command {}

  /**
   * The member's latest XR pose (its connection sends at most one per tick): ephemeral, sent to
   * subscribers at the next tick and recorded with that tick for replay.
   */
  public record SetPose(String memberId, MemberPose pose) implements Command {}

  /**
   * An editor gives the room its own tick rate (a Tandem addition): persisted, announced to every
   * member, and the tick (poses and presence batches) follows at once. Answered without a seq.
   */
  public record ChangeSettings(String memberId, int tickHz, ActorRef<SessionReply> replyTo)
      implements Command, SessionCommand.Answered {}

  /** Internal: decide and persist the queued edits and object actions. */
  public enum FlushChanges implements Command {
    INSTANCE
  }

  /** Object actions (protocol 4.2). */
  public enum ObjectAction {
    SPAWN,
    GRAB,
    MOVE,
    RELEASE,
    REMOVE
  }

  // ---------------------------------------------------------------- events

  /** What a room persists. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Created.class, name = "created"),
    @JsonSubTypes.Type(value = DocEdited.class, name = "doc-edited"),
    @JsonSubTypes.Type(value = ObjectsChanged.class, name = "objects-changed"),
    @JsonSubTypes.Type(value = PosesRecorded.class, name = "poses-recorded"),
    @JsonSubTypes.Type(value = TickRateSet.class, name = "tick-rate-set"),
    @JsonSubTypes.Type(value = MemberParked.class, name = "member-parked"),
    @JsonSubTypes.Type(value = ParkEnded.class, name = "park-ended"),
    @JsonSubTypes.Type(value = Deleted.class, name = "deleted")
  })
  public interface Event extends CborSerializable {}

  /** The room came into being; {@code epoch} names its history. Not a durable change (no seq). */
  public record Created(String epoch, long ts) implements Event {}

  /** Doc edits applied as one change; {@code key}: its idempotency key, or null. */
  public record DocEdited(long seq, String by, long ts, List<DocEdit> ops, String key)
      implements Event, ChangeEvent, Decision {
    @JsonCreator
    public DocEdited {}

    public DocEdited(long seq, String by, long ts, List<DocEdit> ops) {
      this(seq, by, ts, ops, null);
    }

    @Override
    public RoomChange change() {
      return new RoomChange(seq, by, ts, ops, null);
    }
  }

  /**
   * Shared objects changed as one change; a null value means removed. {@code key}: the idempotency
   * key of the action, or null (always null for holds that ended by leave or expiry).
   */
  public record ObjectsChanged(
      long seq, String by, long ts, Map<String, ObjectView> objects, String key)
      implements Event, ChangeEvent, Decision {
    @JsonCreator
    public ObjectsChanged {}

    public ObjectsChanged(long seq, String by, long ts, Map<String, ObjectView> objects) {
      this(seq, by, ts, objects, null);
    }

    @Override
    public RoomChange change() {
      return new RoomChange(seq, by, ts, null, objects);
    }
  }

  /**
   * One room tick of XR motion, recorded for replay: the poses that changed during the tick and the
   * live transforms of held objects that moved. Not a durable change (no seq, never in resumes);
   * {@code afterSeq} is the room's seq when it was recorded.
   */
  public record PosesRecorded(
      long afterSeq,
      long tick,
      long ts,
      Map<String, MemberPose> poses,
      Map<String, ObjectView> objects)
      implements Event {}

  /**
   * An editor ({@code by}) gave the room its own tick rate. Not a durable change of the shared
   * state (no seq): a setting of the room, kept across restarts and moves.
   */
  public record TickRateSet(int tickHz, String by, long ts) implements Event {}

  /**
   * An XR member of {@code participant} ({@code principal/device}) disconnected: its holds stay its
   * own for the grace period. No seq: nothing others see changes until the grace period ends.
   */
  public record MemberParked(String participant, ParkedMember member) implements Event {}

  /** The participant came back (its holds are handed over) or its grace period ended. */
  public record ParkEnded(String participant) implements Event {}

  /**
   * The room was deleted: its state is "never created" again, and a later join creates it afresh
   * with a new epoch. The marker holds nothing of the history (see {@link
   * io.tandem.node.session.SessionDeletion}).
   */
  public record Deleted(long ts) implements Event {}

  // ---------------------------------------------------------------- the actor

  private final String roomName;
  private final SessionId sessionId;
  private final RoomSettings settings;
  private final Clock clock;
  private final ActorContext<SessionCommand> ctx;

  /** Members, their hubs, the tick and idle timers: what every session kind does alike. */
  private final SessionLifecycle lifecycle;

  /** Ephemeral, actor-confined: members, their hubs, presence not yet announced. */
  private final SessionMembers members;

  /** When this incarnation started (for the recovery time in the log). */
  private final long startedAt;

  /** The room's one state budget: document, objects, names and presence. */
  private final RoomBudget budget;

  /** Edits and object actions waiting for the next flush, in arrival order. */
  private final List<Command> pending = new ArrayList<>();

  /**
   * XR motion, ephemeral and actor-confined: members' poses, held objects moved live (sent at the
   * tick; the hold's end persists the final transform), and recorded ticks waiting for their write
   * ({@code posesPerWrite} ticks go together).
   */
  private final RoomMotion<PosesRecorded> motion = new RoomMotion<>(PosesRecorded::new);

  private RoomEntity(
      String roomName,
      ActorRef<ClusterSharding.ShardCommand> shard,
      RoomSettings settings,
      Clock clock,
      ActorContext<SessionCommand> ctx,
      TimerScheduler<SessionCommand> timers) {
    super(persistenceId(roomName));
    this.roomName = roomName;
    this.sessionId = SessionId.room(roomName);
    this.settings = settings;
    this.clock = clock;
    this.ctx = ctx;
    this.lifecycle =
        new SessionLifecycle(
            sessionId, ctx, timers, shard, settings.passivateAfter(), settings.maxMembers());
    this.members = lifecycle.members();
    this.startedAt = System.nanoTime();
    this.budget = new RoomBudget(settings.limits().maxStateBytes());
  }

  @Override
  public RoomState emptyState() {
    return RoomState.empty();
  }

  @Override
  public SignalHandler<RoomState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              TandemMetrics.recovered("room", System.nanoTime() - startedAt);
              if (!state.parked().isEmpty()) {
                // grace periods still run: the tick ends them, with or without members
                lifecycle.startTicking(tickInterval(state));
              }
              if (state.exists()) {
                ctx.getLog()
                    .info(
                        "{} recovered at seq {} in {} ms",
                        sessionId,
                        state.seq(),
                        (System.nanoTime() - startedAt) / 1_000_000);
              }
            })
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  /**
   * Handlers by phase, as in Pekko's account example: a room that does not exist yet (never joined,
   * or deleted) is created by its first join and has nothing to delete; an existing room admits
   * joins (giving a parked XR member its holds back) and deletes its history. Every other command
   * is handled alike in both phases (a non-member's request is answered {@code not_joined} either
   * way). The first phase whose state and command match handles a command.
   */
  @Override
  public CommandHandlerWithReply<SessionCommand, Event, RoomState> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(state -> !state.exists())
        .onCommand(Join.class, this::onFirstJoin)
        .onCommand(
            Delete.class, (state, cmd) -> Effect().reply(cmd.replyTo(), lifecycle.notFound()));
    builder
        .forState(RoomState::exists)
        .onCommand(Join.class, this::onJoin)
        .onCommand(Delete.class, this::onDelete);
    builder
        .forAnyState()
        .onCommand(Leave.class, this::onLeave)
        .onCommand(Disconnect.class, this::onDisconnect)
        .onCommand(Edit.class, this::onEdit)
        .onCommand(ChangeObject.class, this::onChangeObject)
        .onCommand(SetPresence.class, this::onSetPresence)
        .onCommand(SetPose.class, this::onSetPose)
        .onCommand(ChangeSettings.class, this::onChangeSettings)
        .onCommand(Refresh.class, this::onRefresh)
        .onCommand(GetSummary.class, this::onGetSummary)
        .onCommand(FlushChanges.class, this::onFlushChanges)
        .onCommand(Tick.class, this::onTick)
        .onCommand(HubTerminated.class, this::onHubTerminated)
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(HistoryDeleted.class, this::onHistoryDeleted)
        .onCommand(
            Stop.class,
            (state, cmd) -> {
              members.announceStopping();
              answerQueuedChanges();
              if (motion.unwrittenTicks() > 0) {
                // the recorded motion goes to the journal before the room stops
                List<Event> ticks = takeUnwrittenTicks();
                return Effect().persist(ticks).thenStop().thenNoReply();
              }
              return Effect().stop().thenNoReply();
            });
    return builder.build();
  }

  // ------------------------------------------------------------ command handlers

  /** The join that creates the room: a new epoch, then the join is admitted. */
  private ReplyEffect<Event, RoomState> onFirstJoin(RoomState state, Join cmd) {
    Subscriber.Refused refused = refuse(state, cmd);
    if (refused != null) {
      return Effect().reply(cmd.hub(), refused);
    }
    Created created = new Created(UUID.randomUUID().toString(), clock.millis());
    return Effect()
        .persist(created)
        .thenRun(s -> SessionIndex.recordCreated(ctx.getSystem(), sessionId, created.ts()))
        .thenReply(cmd.hub(), s -> admit(s, cmd));
  }

  private ReplyEffect<Event, RoomState> onJoin(RoomState state, Join cmd) {
    Subscriber.Refused refused = refuse(state, cmd);
    if (refused != null) {
      return Effect().reply(cmd.hub(), refused);
    }
    String participant = cmd.info() == null ? null : participantKey(cmd.memberId(), cmd.info());
    ParkedMember back = participant == null ? null : state.parked().get(participant);
    if (back != null) {
      // an XR client came back within the grace period: its holds and its avatar are its again
      if (back.pose() != null) {
        motion.pose(cmd.memberId(), back.pose());
        lifecycle.wake();
      }
      List<Event> handedOver = handOverHolds(state, back.memberId(), cmd.memberId());
      List<Event> events = new ArrayList<>(handedOver);
      events.add(new ParkEnded(participant));
      return Effect()
          .persist(events)
          .thenRun(s -> members.publishChanges(handedOver))
          .thenReply(cmd.hub(), s -> admit(s, cmd));
    }
    return Effect().reply(cmd.hub(), admit(state, cmd));
  }

  /** Why a join is refused, or null: the room's capacity, then {@link #refuseJoin}. */
  private Subscriber.Refused refuse(RoomState state, Join cmd) {
    Subscriber.Refused full = lifecycle.refuseWhenFull(cmd);
    return full != null ? full : refuseJoin(state, cmd);
  }

  /**
   * Why a join is refused beyond the room's capacity, or null: one principal's members, the slots
   * kept for editors, the state budget (its name and presence).
   */
  private Subscriber.Refused refuseJoin(RoomState state, Join cmd) {
    if (members.contains(cmd.memberId())) {
      return null;
    }
    RoomLimits limits = settings.limits();
    String principal = principalOf(cmd.memberId());
    Map<String, MemberInfo> view = members.view();
    int mine = 0;
    for (String id : view.keySet()) {
      if (principalOf(id).equals(principal)) {
        mine++;
      }
    }
    if (mine >= limits.maxMembersPerPrincipal()) {
      return refused(
          cmd,
          ErrorCode.CONFLICT,
          "one principal has at most " + limits.maxMembersPerPrincipal() + " members in a room");
    }
    boolean writes = cmd.info() != null && !"viewer".equals(cmd.info().role());
    int kept = limits.keptForEditors(settings.maxMembers());
    if (!writes && kept > 0 && view.size() >= settings.maxMembers() - kept) {
      return refused(
          cmd,
          ErrorCode.CONFLICT,
          "room is full for viewers (the last " + kept + " places are kept for editors)");
    }
    if (cmd.info() != null
        && stateBytes(state.doc(), state.objects(), cmd.memberId(), cmd.info(), 0)
            > budget.maxBytes()) {
      return refused(
          cmd,
          ErrorCode.TOO_BIG,
          "the room's state would exceed " + budget.maxBytes() + " bytes with this member");
    }
    return null;
  }

  private static Subscriber.Refused refused(Join cmd, ErrorCode code, String message) {
    return new Subscriber.Refused(cmd.connectionId(), cmd.ref(), code, message);
  }

  /**
   * What the room's state would cost with this doc, these objects, one member's new entry and
   * {@code extra} bytes more. The document's size may be an upper bound ({@link
   * RoomBudget#docBytes}); past the budget it is counted exactly before anything is refused.
   */
  private long stateBytes(
      ObjectNode doc,
      Map<String, SharedObject> objects,
      String memberId,
      MemberInfo entry,
      long extra) {
    long rest =
        budget.objectsBytes(objects)
            + budget.membersBytes(members.infos(), members.changes(), memberId, entry)
            + extra;
    long total = budget.docBytes(doc) + rest;
    return total > budget.maxBytes() ? budget.exactDocBytes(doc) + rest : total;
  }

  /**
   * The participant an XR member is ({@code principal/device}), or null for members that named no
   * device (they never keep holds across a disconnect).
   */
  static String participantKey(String memberId, MemberInfo info) {
    if (info.device() == null || !"xr".equals(info.kind())) {
      return null;
    }
    return principalOf(memberId) + "/" + info.device();
  }

  /** Changes that move every hold of {@code from} to {@code to}, keeping live transforms. */
  private List<Event> handOverHolds(RoomState state, String from, String to) {
    List<Event> events = new ArrayList<>();
    long seq = state.seq();
    long now = clock.millis();
    for (String id : state.objects().keySet()) {
      ObjectView v = currentView(state, id);
      if (from.equals(v.heldBy())) {
        motion.forget(id);
        events.add(
            new ObjectsChanged(
                ++seq, to, now, Map.of(id, new ObjectView(v.asset(), v.transform(), to))));
      }
    }
    return events;
  }

  /** Adds the member and answers its hub; the caller sends the answer. */
  private Subscriber.Message admit(RoomState state, Join cmd) {
    // the hub learns the room's tick rate before its answer (same sender, same receiver: in order)
    cmd.hub().tell(new Subscriber.Settings(tickHz(state), null));
    return lifecycle.admit(cmd, state, tickInterval(state), () -> view(state));
  }

  private ReplyEffect<Event, RoomState> onDelete(RoomState state, Delete cmd) {
    // motion of the old history is never written; queued changes are decided after the reset
    // (their senders are no longer members: not_joined)
    motion.clear();
    return Effect()
        .persist(new Deleted(clock.millis()))
        .thenRun(
            s -> {
              lifecycle.deleted();
              ctx.pipeToSelf(
                  SessionDeletion.deleteHistory(
                      ctx.getSystem(),
                      sessionId,
                      persistenceId(roomName).id(),
                      lastSequenceNumber(ctx)),
                  (done, failure) ->
                      new HistoryDeleted(
                          cmd.replyTo(), failure == null ? null : failure.toString()));
            })
        .thenNoReply();
  }

  private ReplyEffect<Event, RoomState> onHistoryDeleted(RoomState state, HistoryDeleted cmd) {
    SessionReply answer = SessionDeletion.outcome(ctx.getLog(), sessionId, cmd.failure());
    return Effect().reply(cmd.replyTo(), answer);
  }

  private ReplyEffect<Event, RoomState> onLeave(RoomState state, Leave cmd) {
    if (!members.contains(cmd.memberId())) {
      return Effect().reply(cmd.replyTo(), lifecycle.notJoined());
    }
    List<Event> released = removeMember(state, cmd.memberId(), false);
    if (released.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new SessionReply.Accepted(null));
    }
    return Effect()
        .persist(released)
        .thenRun(s -> members.publishChanges(released))
        .thenReply(cmd.replyTo(), s -> new SessionReply.Accepted(s.seq()));
  }

  private ReplyEffect<Event, RoomState> onDisconnect(RoomState state, Disconnect cmd) {
    if (!members.contains(cmd.memberId())) {
      return Effect().noReply();
    }
    return persistAndPublish(removeMember(state, cmd.memberId(), true));
  }

  private ReplyEffect<Event, RoomState> onHubTerminated(RoomState state, HubTerminated cmd) {
    List<Event> released = new ArrayList<>();
    RoomState s = state;
    for (String memberId : members.membersOf(cmd.hub())) {
      List<Event> mine = removeMember(s, memberId, true);
      for (Event e : mine) {
        s = applyEvent(s, e);
      }
      released.addAll(mine);
    }
    members.hubGone(cmd.hub());
    return persistAndPublish(released);
  }

  /**
   * Edits and object actions queue here and are decided together by the next {@link FlushChanges},
   * which this actor sends itself. While a journal write is in flight, Pekko stashes incoming
   * commands and hands them all back when it completes, before the flush message; so every change
   * that arrived during a write goes into the next write, however many editors sent them. An idle
   * room pays one mailbox hop.
   */
  private ReplyEffect<Event, RoomState> onEdit(RoomState state, Edit cmd) {
    return queue(cmd);
  }

  private ReplyEffect<Event, RoomState> onChangeObject(RoomState state, ChangeObject cmd) {
    return queue(cmd);
  }

  private ReplyEffect<Event, RoomState> queue(Command change) {
    pending.add(change);
    if (pending.size() == 1) {
      ctx.getSelf().tell(FlushChanges.INSTANCE);
    }
    // the reply is owed by the flush: it answers every queued change, accepted or refused
    return Effect().noReply();
  }

  /**
   * What the flush decides for one queued edit or object action. An accepted durable change is its
   * own event ({@link DocEdited}, {@link ObjectsChanged}: no wrapper on the common path).
   */
  private sealed interface Decision permits Answered, LiveMove, DocEdited, ObjectsChanged {}

  /**
   * Answered at once, nothing changes: refused, or a retry of a change already applied (answered
   * with its seq).
   */
  private record Answered(SessionReply reply) implements Decision {}

  /** An accepted move of a held object by an XR client: ephemeral, sent at the tick. */
  private record LiveMove(String id, ObjectView view) implements Decision {}

  /** Decides the queued changes in order and persists the accepted ones in one write. */
  private ReplyEffect<Event, RoomState> onFlushChanges(RoomState state, FlushChanges cmd) {
    List<Event> events = new ArrayList<>();
    List<ReplyTo> acceptedBy = new ArrayList<>();
    RoomState s = state;
    List<Command> batch =
        pending.subList(0, Math.min(pending.size(), settings.maxChangesPerWrite()));
    for (Command change : batch) {
      Decision decision;
      ReplyTo replyTo;
      if (change instanceof Edit e) {
        decision = decideEdit(s, e);
        replyTo = e.replyTo();
      } else {
        ChangeObject o = (ChangeObject) change;
        decision = decideObject(s, o);
        replyTo = o.replyTo();
      }
      // every kind of the sealed Decision, each once (a switch over it needs Java 21)
      if (decision instanceof Answered answered) {
        replyTo.tell(answered.reply());
      } else if (decision instanceof LiveMove move) {
        motion.move(move.id(), move.view(), clock.millis());
        lifecycle.wake();
        replyTo.tell(new SessionReply.Accepted(null));
      } else if (decision instanceof DocEdited edited) {
        s = applyEvent(s, edited);
        events.add(edited);
        acceptedBy.add(replyTo);
      } else if (decision instanceof ObjectsChanged changed) {
        changed.objects().keySet().forEach(motion::forget);
        // a grab starts the hold's timeout, which the tick checks
        lifecycle.wake();
        s = applyEvent(s, changed);
        events.add(changed);
        acceptedBy.add(replyTo);
      }
    }
    batch.clear();
    if (events.isEmpty()) {
      flushLater();
      return Effect().noReply();
    }
    // recorded motion first, so that the journal keeps the order things happened in
    List<Event> toWrite = takeUnwrittenTicks();
    toWrite.addAll(events);
    return Effect()
        .persist(toWrite)
        .thenRun(
            after -> {
              members.publishChanges(events);
              for (int i = 0; i < events.size(); i++) {
                long seq = ((ChangeEvent) events.get(i)).change().seq();
                acceptedBy.get(i).tell(new SessionReply.Accepted(seq));
              }
              flushLater();
            })
        .thenNoReply();
  }

  /**
   * The room stops (its shard moves, or it passivates) with changes queued for the next write:
   * their flush would come after the stop (it is a message to self, and a stop stashed behind a
   * write runs first), so they changed nothing; their senders hear it now ({@code unavailable},
   * sent again under the same key to where the room starts next) instead of at their timeout.
   */
  private void answerQueuedChanges() {
    for (Command change : pending) {
      if (change instanceof SessionCommand.Request request) {
        request.undelivered();
      }
    }
    pending.clear();
  }

  /** What is still queued (past the per-write cap) goes into the next write. */
  private void flushLater() {
    if (!pending.isEmpty()) {
      ctx.getSelf().tell(FlushChanges.INSTANCE);
    }
  }

  /** The event of an edit, or why it is refused. */
  private Decision decideEdit(RoomState state, Edit cmd) {
    SessionReply.Rejected refused = checkEditor(cmd.memberId());
    if (refused != null) {
      return new Answered(refused);
    }
    SessionReply.Accepted applied = alreadyApplied(state, cmd.memberId(), cmd.key());
    if (applied != null) {
      return new Answered(applied);
    }
    if (cmd.ops().isEmpty() || cmd.ops().size() > settings.maxOpsPerFrame()) {
      return new Answered(
          new SessionReply.Rejected(
              ErrorCode.TOO_BIG, "an op frame holds 1 to " + settings.maxOpsPerFrame() + " ops"));
    }
    int maxDepth = settings.limits().maxDocDepth();
    for (DocEdit edit : cmd.ops()) {
      if (DocTree.depthOf(edit) > maxDepth) {
        // every accepted document must stay encodable in a snapshot: refused, nothing changes
        return new Answered(
            new SessionReply.Rejected(
                ErrorCode.TOO_BIG, "the document would nest deeper than " + maxDepth + " levels"));
      }
    }
    ObjectNode newDoc;
    try {
      newDoc = DocTree.apply(state.doc(), cmd.ops());
    } catch (RuntimeException | StackOverflowError e) {
      ctx.getLog().warn("{}: an edit could not be applied ({}), refused", sessionId, e.toString());
      return new Answered(
          new SessionReply.Rejected(ErrorCode.INTERNAL, "the edit could not be applied"));
    }
    long docBytes = budget.docBytesAfter(state.doc(), cmd.ops(), newDoc, settings.maxDocBytes());
    if (docBytes > settings.maxDocBytes()) {
      return new Answered(
          new SessionReply.Rejected(
              ErrorCode.TOO_BIG, "the document would exceed " + settings.maxDocBytes() + " bytes"));
    }
    if (stateBytes(newDoc, state.objects(), null, null, 0) > budget.maxBytes()) {
      return new Answered(
          new SessionReply.Rejected(
              ErrorCode.TOO_BIG, "the room's state would exceed " + budget.maxBytes() + " bytes"));
    }
    return new DocEdited(state.seq() + 1, cmd.memberId(), clock.millis(), cmd.ops(), cmd.key());
  }

  /** The answer to a retry of a change applied under the same key, or null. */
  private static SessionReply.Accepted alreadyApplied(
      RoomState state, String memberId, String key) {
    if (key == null) {
      return null;
    }
    Long seq = state.keys().find(KeyLog.scoped(principalOf(memberId), key));
    return seq == null ? null : new SessionReply.Accepted(seq);
  }

  /** The principal part of a member id ({@code <principal>/<connection>}). */
  static String principalOf(String memberId) {
    int slash = memberId.lastIndexOf('/');
    return slash < 0 ? memberId : memberId.substring(0, slash);
  }

  /** The event of an object action (or its live move), or why it is refused. */
  private Decision decideObject(RoomState state, ChangeObject cmd) {
    SessionReply.Rejected refused = checkEditor(cmd.memberId());
    if (refused != null) {
      return new Answered(refused);
    }
    SessionReply.Accepted applied = alreadyApplied(state, cmd.memberId(), cmd.key());
    if (applied != null) {
      return new Answered(applied);
    }
    refused = checkObjectAction(state, cmd);
    if (refused != null) {
      return new Answered(refused);
    }
    ObjectView current = currentView(state, cmd.id());
    ObjectView after =
        switch (cmd.action()) {
          case SPAWN ->
              new ObjectView(cmd.asset(), ObjectTransform.IDENTITY.merge(cmd.transform()), null);
          case GRAB, MOVE ->
              new ObjectView(
                  current.asset(), current.transform().merge(cmd.transform()), cmd.memberId());
          case RELEASE ->
              new ObjectView(current.asset(), current.transform().merge(cmd.transform()), null);
          case REMOVE -> null;
        };
    if (cmd.action() == ObjectAction.MOVE && isXr(cmd.memberId())) {
      // moves at pose rate are not durable changes: the release persists the final transform
      return new LiveMove(cmd.id(), after);
    }
    Map<String, ObjectView> changed = new HashMap<>();
    changed.put(cmd.id(), after);
    return new ObjectsChanged(
        state.seq() + 1,
        cmd.memberId(),
        clock.millis(),
        Collections.unmodifiableMap(changed),
        cmd.key());
  }

  private boolean isXr(String memberId) {
    SessionMembers.Member m = members.get(memberId);
    return m != null && "xr".equals(m.info().kind());
  }

  /** An object as it is now: its live view while an XR client moves it, else its durable one. */
  private ObjectView currentView(RoomState state, String id) {
    ObjectView live = motion.live(id);
    if (live != null) {
      return live;
    }
    SharedObject o = state.objects().get(id);
    return o == null ? null : o.view();
  }

  private SessionReply.Rejected checkObjectAction(RoomState state, ChangeObject cmd) {
    SharedObject current = state.objects().get(cmd.id());
    String holder = current == null ? null : current.view().heldBy();
    switch (cmd.action()) {
      case SPAWN:
        if (current != null) {
          return new SessionReply.Rejected(ErrorCode.CONFLICT, "object " + cmd.id() + " exists");
        }
        if (state.objects().size() >= settings.maxObjects()) {
          return new SessionReply.Rejected(
              ErrorCode.TOO_BIG, "a room holds at most " + settings.maxObjects() + " objects");
        }
        if (stateBytes(
                state.doc(),
                state.objects(),
                null,
                null,
                RoomBudget.objectBytes(cmd.id(), new ObjectView(cmd.asset(), null, null)))
            > budget.maxBytes()) {
          return new SessionReply.Rejected(
              ErrorCode.TOO_BIG, "the room's state would exceed " + budget.maxBytes() + " bytes");
        }
        return null;
      case GRAB:
        if (current == null) {
          return noSuchObject(cmd.id());
        }
        if (holder != null && !holder.equals(cmd.memberId())) {
          return new SessionReply.Rejected(
              ErrorCode.CONFLICT, "object " + cmd.id() + " is held by " + holder);
        }
        return null;
      case MOVE:
      case RELEASE:
        if (current == null) {
          return noSuchObject(cmd.id());
        }
        if (!cmd.memberId().equals(holder)) {
          return new SessionReply.Rejected(
              ErrorCode.NOT_OWNER, "object " + cmd.id() + " is not held by you (grab it first)");
        }
        return null;
      case REMOVE:
        if (current == null) {
          return noSuchObject(cmd.id());
        }
        if (holder != null && !holder.equals(cmd.memberId())) {
          return new SessionReply.Rejected(
              ErrorCode.NOT_OWNER, "object " + cmd.id() + " is held by " + holder);
        }
        return null;
      default:
        throw new IllegalStateException("unknown action " + cmd.action());
    }
  }

  private ReplyEffect<Event, RoomState> onSetPresence(RoomState state, SetPresence cmd) {
    SessionMembers.Member m = members.get(cmd.memberId());
    if (m != null
        && stateBytes(
                state.doc(),
                state.objects(),
                cmd.memberId(),
                m.info().withPresence(cmd.presence()),
                0)
            > budget.maxBytes()) {
      // past the room's budget: the member keeps its previous presence
      ctx.getLog().debug("{}: presence of {} over the state budget", sessionId, cmd.memberId());
      return Effect().noReply();
    }
    long before = members.changes();
    members.setPresence(cmd.memberId(), cmd.presence());
    budget.took(cmd.memberId(), before, members.changes());
    return Effect().noReply();
  }

  private ReplyEffect<Event, RoomState> onSetPose(RoomState state, SetPose cmd) {
    if (members.contains(cmd.memberId())) {
      motion.pose(cmd.memberId(), cmd.pose());
      lifecycle.wake();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, RoomState> onChangeSettings(RoomState state, ChangeSettings cmd) {
    SessionReply.Rejected refused = checkEditor(cmd.memberId());
    if (refused == null && (cmd.tickHz() < 1 || cmd.tickHz() > settings.maxTickHz())) {
      refused =
          new SessionReply.Rejected(
              ErrorCode.TOO_BIG, "a room ticks at 1 to " + settings.maxTickHz() + " Hz");
    }
    if (refused != null) {
      return Effect().reply(cmd.replyTo(), refused);
    }
    if (cmd.tickHz() == state.tickHz()) {
      return Effect().reply(cmd.replyTo(), new SessionReply.Accepted(null));
    }
    return Effect()
        .persist(new TickRateSet(cmd.tickHz(), cmd.memberId(), clock.millis()))
        .thenRun(
            after -> {
              // the next tick comes at the new rate
              lifecycle.restartTicking(tickInterval(after));
              members.broadcast(new Subscriber.Settings(tickHz(after), cmd.memberId()));
            })
        .thenReply(cmd.replyTo(), after -> new SessionReply.Accepted(null));
  }

  private ReplyEffect<Event, RoomState> onRefresh(RoomState state, Refresh cmd) {
    return Effect().reply(cmd.hub(), new Subscriber.Refreshed(cmd.connectionId(), view(state)));
  }

  private ReplyEffect<Event, RoomState> onGetSummary(RoomState state, GetSummary cmd) {
    return Effect().reply(cmd.replyTo(), lifecycle.summary(state, null, null, null, tickHz(state)));
  }

  private ReplyEffect<Event, RoomState> onTick(RoomState state, Tick cmd) {
    // the tick keeps running while things move, objects are held or grace periods run (they end at
    // a tick, with or without members); otherwise it sleeps until a pose, move, grab or
    // announcement wakes it
    boolean moved = motion.moving();
    long now = clock.millis();
    // holds that ended: no move for the hold timeout, or a grace period that ran out
    Map<String, String> ended = new LinkedHashMap<>();
    long timeout = settings.holdTimeout().toMillis();
    boolean held = false;
    for (Map.Entry<String, SharedObject> e : state.objects().entrySet()) {
      ObjectView v = currentView(state, e.getKey());
      long touched = Math.max(e.getValue().touchedAt(), motion.movedAt(e.getKey()));
      held |= v.heldBy() != null;
      if (v.heldBy() != null && now - touched >= timeout) {
        ended.put(e.getKey(), v.heldBy());
      }
    }
    lifecycle.onTick(moved || held || !state.parked().isEmpty());
    recordMotion(state, now);
    List<Event> parkingsEnded = new ArrayList<>();
    for (Map.Entry<String, ParkedMember> p : state.parked().entrySet()) {
      if (now >= p.getValue().until()) {
        parkingsEnded.add(new ParkEnded(p.getKey()));
        for (String id : state.objects().keySet()) {
          if (p.getValue().memberId().equals(currentView(state, id).heldBy())) {
            ended.put(id, p.getValue().memberId());
          }
        }
      }
    }
    List<Event> toWrite = new ArrayList<>();
    long seq = state.seq();
    for (Map.Entry<String, String> e : ended.entrySet()) {
      ObjectView v = currentView(state, e.getKey());
      motion.forget(e.getKey());
      toWrite.add(
          new ObjectsChanged(
              ++seq,
              e.getValue(),
              now,
              Map.of(e.getKey(), new ObjectView(v.asset(), v.transform(), null))));
    }
    toWrite.addAll(parkingsEnded);
    // recorded motion goes to the journal every posesPerWrite ticks, with a durable change, and
    // once the motion stops (the tick may sleep next)
    if (!toWrite.isEmpty()
        || motion.unwrittenTicks() >= settings.posesPerWrite()
        || (!moved && motion.unwrittenTicks() > 0)) {
      List<Event> ticks = takeUnwrittenTicks();
      ticks.addAll(toWrite);
      toWrite = ticks;
    }
    return persistAndPublish(toWrite);
  }

  /**
   * Sends the poses and live object moves of this tick once to every hub (each receiver gets one
   * {@code poses} frame from its hub) and records them for the journal. Nothing when nothing moved.
   */
  private void recordMotion(RoomState state, long now) {
    PosesRecorded ticked = motion.tick(state.seq(), now);
    if (ticked != null) {
      members.broadcast(
          new Subscriber.PosesTicked(ticked.tick(), now, ticked.poses(), ticked.objects()));
    }
  }

  /** The recorded ticks not written yet (a fresh, mutable list); forgets them. */
  private List<Event> takeUnwrittenTicks() {
    List<Event> out = new ArrayList<>(motion.unwrittenTicks());
    motion.drainUnwritten(out);
    return out;
  }

  private ReplyEffect<Event, RoomState> onIdleCheck(RoomState state, IdleCheck cmd) {
    // while a grace period runs the room stays: it ends at a tick of this incarnation
    lifecycle.onIdleCheck(state.parked().isEmpty());
    return Effect().noReply();
  }

  // ------------------------------------------------------------ helpers

  private ReplyEffect<Event, RoomState> persistAndPublish(List<Event> events) {
    if (events.isEmpty()) {
      return Effect().noReply();
    }
    return Effect().persist(events).thenRun(s -> members.publishChanges(events)).thenNoReply();
  }

  /**
   * Removes a member: announces it left and returns the events that release its holds. An XR member
   * that disconnected ({@code mayPark}) with a device id keeps its holds for the grace period
   * instead.
   */
  private List<Event> removeMember(RoomState state, String memberId, boolean mayPark) {
    SessionMembers.Member gone = lifecycle.remove(memberId, tickInterval(state));
    if (gone == null) {
      return List.of();
    }
    MemberPose lastPose = motion.removeMember(memberId);
    List<String> held = new ArrayList<>();
    for (String id : state.objects().keySet()) {
      if (memberId.equals(currentView(state, id).heldBy())) {
        held.add(id);
      }
    }
    String key = participantKey(memberId, gone.info());
    if (mayPark && key != null && settings.holdGrace().toMillis() > 0) {
      long until = clock.millis() + settings.holdGrace().toMillis();
      return List.of(new MemberParked(key, new ParkedMember(memberId, until, lastPose)));
    }
    List<Event> events = new ArrayList<>();
    long seq = state.seq();
    long now = clock.millis();
    for (String id : held) {
      ObjectView v = currentView(state, id);
      motion.forget(id);
      events.add(
          new ObjectsChanged(
              ++seq, memberId, now, Map.of(id, new ObjectView(v.asset(), v.transform(), null))));
    }
    return events;
  }

  /** The room's tick rate: its editors' choice, else the node's default. */
  private int tickHz(RoomState state) {
    return state.tickHz() > 0 ? state.tickHz() : settings.defaultTickHz();
  }

  private Duration tickInterval(RoomState state) {
    return state.tickHz() > 0 ? RoomSettings.tickOf(state.tickHz()) : settings.tickInterval();
  }

  private SessionReply.Rejected checkEditor(String memberId) {
    return lifecycle.checkRole(memberId, "editor");
  }

  private static SessionReply.Rejected noSuchObject(String id) {
    return new SessionReply.Rejected(ErrorCode.NOT_FOUND, "no object " + id);
  }

  private SessionView view(RoomState state) {
    RoomView durable = state.view();
    RoomView now = durable;
    if (motion.anyLive()) {
      // a late joiner sees held objects where their holders have them now
      Map<String, ObjectView> objects = new LinkedHashMap<>(durable.objects());
      motion.overlayLive(objects);
      now = new RoomView(durable.doc(), Collections.unmodifiableMap(objects));
    }
    return lifecycle.view(state, now);
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<RoomState, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(this::applyEvent);
  }

  private RoomState applyEvent(RoomState state, Event event) {
    if (event instanceof Deleted) {
      return RoomState.empty();
    }
    if (event instanceof Created c) {
      return state.created(c.epoch(), c.ts());
    }
    if (event instanceof PosesRecorded) {
      // recorded for replay only: the durable state does not change
      return state;
    }
    if (event instanceof TickRateSet t) {
      return state.withTickHz(t.tickHz());
    }
    if (event instanceof MemberParked p) {
      return state.withParked(p.participant(), p.member());
    }
    if (event instanceof ParkEnded p) {
      return state.withParked(p.participant(), null);
    }
    String key =
        event instanceof DocEdited d ? d.key() : event instanceof ObjectsChanged o ? o.key() : null;
    RoomChange change = toChange(event);
    RoomState after =
        state.changed(
            change,
            settings.recentChanges(),
            key == null ? null : KeyLog.scoped(principalOf(change.by()), key),
            settings.idempotencyKeys());
    if (change.ops() != null) {
      // the edited document is sized from the one before, not written out again
      budget.carry(state.doc(), change.ops(), after.doc());
    }
    return after;
  }

  /** The durable change an event records, or null for {@link Created}. */
  static RoomChange toChange(Event event) {
    return event instanceof ChangeEvent c ? (RoomChange) c.change() : null;
  }

  @Override
  public String toString() {
    return "RoomEntity(" + roomName + ")";
  }
}
