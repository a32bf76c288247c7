package io.tandem.node.recording;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.JoinAnswer;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionMembers;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionSummary;
import io.tandem.node.session.SessionUpdate;
import io.tandem.node.session.SessionView;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.CborSerializable;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A live recording ({@code recording:<name>}): one sharded, event-sourced actor per recording.
 *
 * <p>Publishers append batches of events; each event takes the next {@code seq}, and each batch is
 * one persisted event. Several batches that queued up while the previous write was in flight arrive
 * as one {@link Publish} and are persisted in one journal write. Viewers receive every batch once
 * per subscribed node (its hub); late joiners get the static batches, the latest checkpoint and
 * what follows it from the bounded live buffer ({@link RecordingState}). {@code end} closes the
 * recording; later publishes get {@code conflict}. Blocks on nothing.
 */
public final class RecordingEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        RecordingEntity.Command, RecordingEntity.Event, RecordingState> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "recording");

  /** Registers recordings with Cluster Sharding on this node. */
  public static void init(ActorSystem<?> system, RecordingSettings settings, Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), ctx.getShard(), settings, clock))
                .withStopMessage(Stop.INSTANCE));
  }

  /** The behavior; {@code shard} may be null outside sharding (then it never passivates). */
  public static Behavior<Command> create(
      String name,
      ActorRef<ClusterSharding.ShardCommand> shard,
      RecordingSettings settings,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new RecordingEntity(name, shard, settings, clock, ctx, timers)));
  }

  public static PersistenceId persistenceId(String name) {
    return PersistenceId.of(ENTITY_KEY.name(), name);
  }

  // ---------------------------------------------------------------- commands

  /** What a recording accepts. */
  public interface Command extends CborSerializable {}

  /** Join as viewer or publisher; the answer goes to {@code hub}. */
  public record Join(
      String memberId,
      String connectionId,
      MemberInfo info,
      Long ref,
      Long since,
      String epoch,
      ActorRef<Subscriber.Message> hub)
      implements Command {}

  public record Leave(String memberId, ActorRef<SessionReply> replyTo) implements Command {}

  public record Disconnect(String memberId) implements Command {}

  /** One publish frame's content. {@code bytes} may be null. */
  public record Publication(
      List<JsonNode> events, boolean checkpoint, boolean isStatic, byte[] bytes, long size)
      implements CborSerializable {}

  /**
   * Record these batches, in order, in one journal write; replies {@link SessionReply.Published}.
   */
  public record Publish(String memberId, List<Publication> batches, ActorRef<SessionReply> replyTo)
      implements Command {}

  /** Close the recording. */
  public record End(String memberId, ActorRef<SessionReply> replyTo) implements Command {}

  public record Refresh(String connectionId, ActorRef<Subscriber.Message> hub) implements Command {}

  public record GetSummary(ActorRef<SessionSummary> replyTo) implements Command {}

  /** Internal: announce joins and leaves. */
  public enum Tick implements Command {
    INSTANCE
  }

  public enum IdleCheck implements Command {
    INSTANCE
  }

  public enum Stop implements Command {
    INSTANCE
  }

  public record HubTerminated(ActorRef<Subscriber.Message> hub) implements Command {}

  // ---------------------------------------------------------------- events

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Created.class, name = "created"),
    @JsonSubTypes.Type(value = Published.class, name = "published"),
    @JsonSubTypes.Type(value = Ended.class, name = "ended")
  })
  public interface Event extends CborSerializable {}

  public record Created(String epoch, long ts) implements Event {}

  /** One batch recorded. */
  public record Published(RecordedBatch batch) implements Event, ChangeEvent {
    @Override
    public SessionUpdate change() {
      return batch;
    }
  }

  public record Ended(long seq, long ts, String by) implements Event, ChangeEvent {
    @Override
    public SessionUpdate change() {
      return new RecordingEnded(seq, ts, by);
    }
  }

  // ---------------------------------------------------------------- the actor

  private final SessionId sessionId;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final RecordingSettings settings;
  private final Clock clock;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final SessionMembers<Command> members;

  private RecordingEntity(
      String name,
      ActorRef<ClusterSharding.ShardCommand> shard,
      RecordingSettings settings,
      Clock clock,
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers) {
    super(persistenceId(name));
    this.sessionId = SessionId.recording(name);
    this.shard = shard;
    this.settings = settings;
    this.clock = clock;
    this.ctx = ctx;
    this.timers = timers;
    this.members = new SessionMembers<>(ctx, HubTerminated::new);
    timers.startSingleTimer(IdleCheck.INSTANCE, settings.passivateAfter());
  }

  @Override
  public RecordingState emptyState() {
    return new RecordingState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SnapshotAdapter<RecordingState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(RecordingState state) {
        return state.toSnapshot();
      }

      @Override
      public RecordingState fromJournal(Object from) {
        return RecordingState.fromSnapshot((RecordingState.Snapshot) from);
      }
    };
  }

  @Override
  public CommandHandlerWithReply<Command, Event, RecordingState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Join.class, this::onJoin)
        .onCommand(Leave.class, this::onLeave)
        .onCommand(Disconnect.class, this::onDisconnect)
        .onCommand(Publish.class, this::onPublish)
        .onCommand(End.class, this::onEnd)
        .onCommand(Refresh.class, this::onRefresh)
        .onCommand(GetSummary.class, this::onGetSummary)
        .onCommand(Tick.class, this::onTick)
        .onCommand(HubTerminated.class, this::onHubTerminated)
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(
            Stop.class,
            (state, cmd) -> {
              members.announceStopping();
              return Effect().stop().thenNoReply();
            })
        .build();
  }

  private ReplyEffect<Event, RecordingState> onJoin(RecordingState state, Join cmd) {
    if (!members.contains(cmd.memberId()) && members.size() >= settings.maxMembers()) {
      return Effect()
          .reply(
              cmd.hub(),
              new Subscriber.Refused(
                  cmd.connectionId(),
                  cmd.ref(),
                  ErrorCode.CONFLICT,
                  "recording is full (" + settings.maxMembers() + " members)"));
    }
    if (!state.exists()) {
      Created created = new Created(UUID.randomUUID().toString(), clock.millis());
      return Effect().persist(created).thenReply(cmd.hub(), s -> admit(s, cmd));
    }
    return Effect().reply(cmd.hub(), admit(state, cmd));
  }

  private Subscriber.Message admit(RecordingState state, Join cmd) {
    members.add(cmd.memberId(), cmd.info(), cmd.hub());
    timers.cancel(IdleCheck.INSTANCE);
    startTicking();
    return JoinAnswer.answer(
        new JoinAnswer.Request(
            cmd.memberId(), cmd.connectionId(), cmd.ref(), cmd.since(), cmd.epoch()),
        state.epoch(),
        state.seq(),
        state::changesAfter,
        persistenceId().id(),
        members.view(),
        () -> view(state),
        ctx.getSelf());
  }

  private ReplyEffect<Event, RecordingState> onLeave(RecordingState state, Leave cmd) {
    if (!removeMember(cmd.memberId())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              new SessionReply.Rejected(ErrorCode.NOT_JOINED, "not joined to " + sessionId));
    }
    return Effect().reply(cmd.replyTo(), new SessionReply.Accepted(null));
  }

  private ReplyEffect<Event, RecordingState> onDisconnect(RecordingState state, Disconnect cmd) {
    removeMember(cmd.memberId());
    return Effect().noReply();
  }

  private ReplyEffect<Event, RecordingState> onHubTerminated(
      RecordingState state, HubTerminated cmd) {
    members.membersOf(cmd.hub()).forEach(this::removeMember);
    members.hubGone(cmd.hub());
    return Effect().noReply();
  }

  private ReplyEffect<Event, RecordingState> onPublish(RecordingState state, Publish cmd) {
    SessionReply.Rejected refused = checkPublisher(state, cmd.memberId());
    if (refused != null) {
      return Effect().reply(cmd.replyTo(), refused);
    }
    long now = clock.millis();
    long next = state.seq() + 1;
    List<Event> events = new ArrayList<>(cmd.batches().size());
    List<Long> lastSeqs = new ArrayList<>(cmd.batches().size());
    for (Publication p : cmd.batches()) {
      RecordedBatch batch =
          new RecordedBatch(
              next,
              now,
              cmd.memberId(),
              p.events(),
              p.checkpoint(),
              p.isStatic(),
              p.bytes(),
              p.size());
      events.add(new Published(batch));
      lastSeqs.add(batch.seq());
      next = batch.seq() + 1;
    }
    return Effect()
        .persist(events)
        .thenRun(s -> members.publishChanges(events))
        .thenReply(cmd.replyTo(), s -> new SessionReply.Published(List.copyOf(lastSeqs)));
  }

  private ReplyEffect<Event, RecordingState> onEnd(RecordingState state, End cmd) {
    SessionReply.Rejected refused = checkPublisher(state, cmd.memberId());
    if (refused != null) {
      return Effect().reply(cmd.replyTo(), refused);
    }
    Ended ended = new Ended(state.seq() + 1, clock.millis(), cmd.memberId());
    return Effect()
        .persist(ended)
        .thenRun(s -> members.publishChanges(List.of(ended)))
        .thenReply(cmd.replyTo(), s -> new SessionReply.Accepted(s.seq()));
  }

  private ReplyEffect<Event, RecordingState> onRefresh(RecordingState state, Refresh cmd) {
    return Effect().reply(cmd.hub(), new Subscriber.Refreshed(cmd.connectionId(), view(state)));
  }

  private ReplyEffect<Event, RecordingState> onGetSummary(RecordingState state, GetSummary cmd) {
    return Effect()
        .reply(
            cmd.replyTo(),
            new SessionSummary(
                state.exists(),
                state.seq(),
                state.epoch(),
                members.view(),
                state.created(),
                state.lastActivity(),
                state.bufferBytes(),
                state.droppedBytes(),
                state.isEnded(),
                SessionMembers.nodeOf(ctx)));
  }

  private ReplyEffect<Event, RecordingState> onTick(RecordingState state, Tick cmd) {
    members.takeAnnouncements().ifPresent(members::broadcast);
    if (members.isEmpty()) {
      timers.cancel(Tick.INSTANCE);
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, RecordingState> onIdleCheck(RecordingState state, IdleCheck cmd) {
    if (members.isEmpty() && shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
    }
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- helpers

  private SessionReply.Rejected checkPublisher(RecordingState state, String memberId) {
    SessionMembers.Member m = members.get(memberId);
    if (m == null) {
      return new SessionReply.Rejected(ErrorCode.NOT_JOINED, "not joined to " + sessionId);
    }
    if (!"publisher".equals(m.info().role())) {
      return new SessionReply.Rejected(
          ErrorCode.FORBIDDEN, "joined as " + m.info().role() + ", not publisher");
    }
    if (state.isEnded()) {
      return new SessionReply.Rejected(ErrorCode.CONFLICT, sessionId + " has ended");
    }
    return null;
  }

  private boolean removeMember(String memberId) {
    if (members.remove(memberId) == null) {
      return false;
    }
    startTicking();
    if (members.isEmpty()) {
      timers.startSingleTimer(IdleCheck.INSTANCE, settings.passivateAfter());
    }
    return true;
  }

  private void startTicking() {
    if (!timers.isTimerActive(Tick.INSTANCE)) {
      timers.startTimerAtFixedRate(Tick.INSTANCE, settings.tickInterval());
    }
  }

  private SessionView view(RecordingState state) {
    return new SessionView(state.seq(), state.epoch(), state.view(), members.view());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<RecordingState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            Created.class,
            (state, e) -> {
              state.created(e.epoch(), e.ts());
              return state;
            })
        .onEvent(
            Published.class,
            (state, e) -> {
              state.published(e.batch(), settings.liveBufferBytes());
              return state;
            })
        .onEvent(
            Ended.class,
            (state, e) -> {
              state.ended(new RecordingEnded(e.seq(), e.ts(), e.by()));
              return state;
            })
        .build();
  }
}
