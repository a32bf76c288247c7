package io.tandem.node.recording;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.session.ChangeEvent;
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
import io.tandem.node.session.SessionUpdate;
import io.tandem.node.session.SessionView;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.blob.BlobRef;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.EventSeq;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A live recording ({@code recording:<name>}): one sharded, event-sourced actor per recording.
 *
 * <p>Publishers append batches of events; each event takes the next {@code seq}, and each batch is
 * one persisted event. Several batches that queued up while the previous write was in flight arrive
 * as one {@link Publish} and are persisted in one journal write. Viewers receive every batch once
 * per subscribed node (its hub); late joiners get the static batches, the latest checkpoint and
 * what follows it from the bounded live buffer ({@link RecordingState}). {@code end} closes the
 * recording; later publishes get {@code conflict}.
 *
 * <p>Large payloads arrive already in the blob store (the publisher's connection stored them): the
 * persisted event holds their {@link BlobRef}, and the state keeps their bytes in memory while a
 * static or buffered batch references them, so viewers never wait for a read. After a recovery
 * those bytes are read back from the blob store before anything else: commands are stashed until
 * then. A {@link Published} event carries the bytes in memory, so the event handler keeps them
 * without reading anything but its event; the {@link #eventAdapter} leaves them out of the journal.
 * Blocks on nothing.
 *
 * <p>Why this file is over 500 lines: it holds the recording's commands, events, handlers by phase
 * (loading, absent, existing) and event handler together, as the other entities do; the buffer and
 * its index ({@link RecordingState}), the payload bytes ({@link PayloadCache}) and the lifecycle
 * ({@link SessionLifecycle}) are their own classes.
 */
public final class RecordingEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        SessionCommand, RecordingEntity.Event, RecordingState> {

  public static final EntityTypeKey<SessionCommand> ENTITY_KEY =
      EntityTypeKey.create(SessionCommand.class, "recording");

  /** Registers recordings with Cluster Sharding on this node. */
  public static void init(ActorSystem<?> system, RecordingSettings settings, Clock clock) {
    BlobStore blobs = Blobs.get(system);
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx -> create(ctx.getEntityId(), ctx.getShard(), settings, clock, blobs))
                .withStopMessage(Stop.INSTANCE));
  }

  /** The behavior; {@code shard} may be null outside sharding (then it never passivates). */
  public static Behavior<SessionCommand> create(
      String name,
      ActorRef<ClusterSharding.ShardCommand> shard,
      RecordingSettings settings,
      Clock clock,
      BlobStore blobs) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new RecordingEntity(name, shard, settings, clock, blobs, ctx, timers)));
  }

  public static PersistenceId persistenceId(String name) {
    return PersistenceId.of(ENTITY_KEY.name(), name);
  }

  // ---------------------------------------------------------------- commands

  /** What a recording accepts. */
  public interface Command extends SessionCommand {}

  /**
   * One publish frame's content. {@code bytes} may be null; {@code blob} is set when the bytes are
   * already in the blob store (they still travel here, for viewers and the in-memory buffer).
   */
  public record Publication(
      List<JsonNode> events,
      boolean checkpoint,
      boolean isStatic,
      byte[] bytes,
      BlobRef blob,
      long size)
      implements CborSerializable {}

  /**
   * Record these batches, in order, in one journal write; replies {@link SessionReply.Published}.
   */
  public record Publish(String memberId, List<Publication> batches, ActorRef<SessionReply> replyTo)
      implements Command, SessionCommand.Answered {}

  /** Close the recording. */
  public record End(String memberId, ActorRef<SessionReply> replyTo)
      implements Command, SessionCommand.Answered {}

  /** Internal: blobs read back after a recovery; {@code absent} ones are not in the store. */
  public record PayloadsLoaded(Map<String, byte[]> loaded, List<BlobRef> absent)
      implements Command {}

  /** Internal: reading them failed (the store is unreachable); tried again later. */
  public record PayloadsFailed(String reason) implements Command {}

  /** Internal: read the missing payloads again. */
  public enum LoadPayloads implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Created.class, name = "created"),
    @JsonSubTypes.Type(value = Published.class, name = "published"),
    @JsonSubTypes.Type(value = Ended.class, name = "ended"),
    @JsonSubTypes.Type(value = Deleted.class, name = "deleted")
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

  /**
   * The recording was deleted: its state is "never created" again, and a later publisher's join
   * creates it afresh with a new epoch. The marker holds nothing of the history (see {@link
   * io.tandem.node.session.SessionDeletion}).
   */
  public record Deleted(long ts) implements Event {}

  // ---------------------------------------------------------------- the actor

  private final SessionId sessionId;
  private final RecordingSettings settings;
  private final Clock clock;
  private final ActorContext<SessionCommand> ctx;
  private final TimerScheduler<SessionCommand> timers;

  /** Members, their hubs, the tick and idle timers: what every session kind does alike. */
  private final SessionLifecycle lifecycle;

  private final SessionMembers members;
  private final BlobStore blobs;

  /** For the recovery time metric, and the live buffer's share of the node's gauge. */
  private final long startedAt = System.nanoTime();

  private final LiveBufferMeter liveBuffer = new LiveBufferMeter();

  private static final Duration RELOAD_AFTER = Duration.ofSeconds(2);
  private static final int PARALLEL_READS = 4;

  private RecordingEntity(
      String name,
      ActorRef<ClusterSharding.ShardCommand> shard,
      RecordingSettings settings,
      Clock clock,
      BlobStore blobs,
      ActorContext<SessionCommand> ctx,
      TimerScheduler<SessionCommand> timers) {
    super(persistenceId(name));
    this.sessionId = SessionId.recording(name);
    this.settings = settings;
    this.clock = clock;
    this.blobs = blobs;
    this.ctx = ctx;
    this.timers = timers;
    this.lifecycle =
        new SessionLifecycle(
            sessionId, ctx, timers, shard, settings.passivateAfter(), settings.maxMembers());
    this.members = lifecycle.members();
  }

  @Override
  public RecordingState emptyState() {
    return new RecordingState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  /**
   * A blob's bytes travel in the {@link Published} event as persisted (the event handler keeps them
   * in memory, and viewers get them) but never into the journal: it holds the blob's reference
   * only. Events read back are as written (their handler finds the bytes missing and they are read
   * from the blob store after the recovery). Neither the payload nor the manifest of any event
   * changes.
   */
  @Override
  public EventAdapter<Event, Event> eventAdapter() {
    return new EventAdapter<>() {
      @Override
      public Event toJournal(Event e) {
        if (e instanceof Published p) {
          RecordedBatch stored = p.batch().withoutBlobBytes();
          return stored == p.batch() ? p : new Published(stored);
        }
        return e;
      }

      @Override
      public String manifest(Event event) {
        return "";
      }

      @Override
      public EventSeq<Event> fromJournal(Event p, String manifest) {
        return EventSeq.single(p);
      }
    };
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
  public SignalHandler<RecordingState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .onSignal(PostStop.instance(), state -> liveBuffer.stopped())
        .build();
  }

  private void onRecoveryCompleted(RecordingState state) {
    TandemMetrics.recovered("recording", System.nanoTime() - startedAt);
    liveBuffer.update(state);
    if (!state.missingPayloads().isEmpty()) {
      state.loadingPayloads(true);
      loadPayloads(state.missingPayloads());
    }
  }

  /** Reads blobs a few at a time; the outcome comes back as one command. */
  private void loadPayloads(List<BlobRef> refs) {
    ctx.pipeToSelf(
        Source.from(refs)
            .mapAsync(PARALLEL_READS, ref -> blobs.get(ref).thenApply(b -> Pair.create(ref, b)))
            .runWith(Sink.seq(), ctx.getSystem()),
        (read, failure) -> {
          if (failure != null) {
            return new PayloadsFailed(failure.toString());
          }
          Map<String, byte[]> loaded = new HashMap<>();
          List<BlobRef> absent = new ArrayList<>();
          for (Pair<BlobRef, Optional<byte[]>> p : read) {
            if (p.second().isPresent()) {
              loaded.put(p.first().hash(), p.second().get());
            } else {
              absent.add(p.first());
            }
          }
          return new PayloadsLoaded(loaded, absent);
        });
  }

  /**
   * Handlers by phase. While its blobs are read back after a recovery a recording answers nothing:
   * every command but the load's own outcome (and the shard's stop) waits in the stash. After that,
   * a recording that does not exist yet is created by its publisher's join (a viewer gets {@code
   * not_found}) and has nothing to delete; an existing one admits joins and deletes its history.
   * The first phase whose state and command match handles a command.
   */
  @Override
  public CommandHandlerWithReply<SessionCommand, Event, RecordingState> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(RecordingState::loadingPayloads)
        .onCommand(PayloadsLoaded.class, this::onPayloadsLoaded)
        .onCommand(PayloadsFailed.class, this::onPayloadsFailed)
        .onCommand(LoadPayloads.class, this::onLoadPayloads)
        .onCommand(Stop.class, (state, cmd) -> Effect().stop().thenNoReply())
        .onAnyCommand((state, cmd) -> Effect().stash());
    builder
        .forState(state -> !state.exists())
        .onCommand(Join.class, this::onFirstJoin)
        .onCommand(Delete.class, this::onDeleteAbsent);
    builder
        .forState(RecordingState::exists)
        .onCommand(Join.class, this::onJoin)
        .onCommand(Delete.class, this::onDelete);
    builder
        .forAnyState()
        .onCommand(Leave.class, this::onLeave)
        .onCommand(Disconnect.class, this::onDisconnect)
        .onCommand(Publish.class, this::onPublish)
        .onCommand(End.class, this::onEnd)
        .onCommand(Refresh.class, this::onRefresh)
        .onCommand(GetSummary.class, this::onGetSummary)
        .onCommand(Tick.class, this::onTick)
        .onCommand(HubTerminated.class, this::onHubTerminated)
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(HistoryDeleted.class, this::onHistoryDeleted)
        .onCommand(
            Stop.class,
            (state, cmd) -> {
              members.announceStopping();
              return Effect().stop().thenNoReply();
            })
        // late answers of a load that another one already completed
        .onCommand(PayloadsLoaded.class, (state, cmd) -> Effect().noReply())
        .onCommand(PayloadsFailed.class, (state, cmd) -> Effect().noReply())
        .onCommand(LoadPayloads.class, (state, cmd) -> Effect().noReply());
    return builder.build();
  }

  private ReplyEffect<Event, RecordingState> onPayloadsLoaded(
      RecordingState state, PayloadsLoaded cmd) {
    for (BlobRef ref : state.missingPayloads()) {
      byte[] bytes = cmd.loaded().get(ref.hash());
      if (bytes != null) {
        state.payloadLoaded(ref, bytes);
      }
    }
    if (!cmd.absent().isEmpty()) {
      // never expected (a blob is written before its event); viewers get those batches without
      // bytes
      ctx.getLog()
          .error(
              "{}: {} blob(s) referenced by the journal are missing from the blob store, first {}",
              sessionId,
              cmd.absent().size(),
              cmd.absent().get(0).hash());
    }
    state.loadingPayloads(false);
    // the javadsl types unstashAll() as a plain Effect, though every effect Pekko makes is a
    // ReplyEffect (internal.EffectImpl): unstashing replies nothing, as thenNoReply() would say
    return (ReplyEffect<Event, RecordingState>) Effect().unstashAll();
  }

  private ReplyEffect<Event, RecordingState> onPayloadsFailed(
      RecordingState state, PayloadsFailed cmd) {
    ctx.getLog()
        .warn("{}: reading blobs after recovery failed ({}), retrying", sessionId, cmd.reason());
    timers.startSingleTimer(LoadPayloads.INSTANCE, RELOAD_AFTER);
    return Effect().noReply();
  }

  private ReplyEffect<Event, RecordingState> onLoadPayloads(
      RecordingState state, LoadPayloads cmd) {
    loadPayloads(state.missingPayloads());
    return Effect().noReply();
  }

  /** A publisher's join creates the recording; a viewer's (mistyped) name creates nothing. */
  private ReplyEffect<Event, RecordingState> onFirstJoin(RecordingState state, Join cmd) {
    Subscriber.Refused full = lifecycle.refuseWhenFull(cmd);
    if (full != null) {
      return Effect().reply(cmd.hub(), full);
    }
    if (!"publisher".equals(cmd.info().role())) {
      return Effect()
          .reply(
              cmd.hub(),
              new Subscriber.Refused(
                  cmd.connectionId(),
                  cmd.ref(),
                  ErrorCode.NOT_FOUND,
                  sessionId + " does not exist (a publisher creates it)"));
    }
    Created created = new Created(UUID.randomUUID().toString(), clock.millis());
    return Effect()
        .persist(created)
        .thenRun(s -> SessionIndex.recordCreated(ctx.getSystem(), sessionId, created.ts()))
        .thenReply(cmd.hub(), s -> admit(s, cmd));
  }

  private ReplyEffect<Event, RecordingState> onJoin(RecordingState state, Join cmd) {
    Subscriber.Refused full = lifecycle.refuseWhenFull(cmd);
    if (full != null) {
      return Effect().reply(cmd.hub(), full);
    }
    return Effect().reply(cmd.hub(), admit(state, cmd));
  }

  private Subscriber.Message admit(RecordingState state, Join cmd) {
    return lifecycle.admit(cmd, state, settings.tickInterval(), () -> view(state));
  }

  private ReplyEffect<Event, RecordingState> onLeave(RecordingState state, Leave cmd) {
    if (!removeMember(cmd.memberId())) {
      return Effect().reply(cmd.replyTo(), lifecycle.notJoined());
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
    // with their blobs' bytes: the event adapter leaves those out of the journal
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
              p.blob(),
              p.size());
      events.add(new Published(batch));
      lastSeqs.add(batch.seq());
      next = batch.seq() + 1;
    }
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              members.publishChanges(events);
              liveBuffer.update(s);
            })
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
        .thenRun(
            s -> {
              members.publishChanges(List.of(ended));
              // retention finds ended recordings in the index, without waking them
              SessionIndex.recordEnded(ctx.getSystem(), sessionId, ended.ts());
            })
        .thenReply(cmd.replyTo(), s -> new SessionReply.Accepted(s.seq()));
  }

  private ReplyEffect<Event, RecordingState> onDeleteAbsent(RecordingState state, Delete cmd) {
    if (cmd.replyTo() == null) {
      // retention found an index row of a recording deleted already (its removal failed): the row
      // goes, so that the sweep stops waking this entity
      SessionDeletion.forgetIndexRow(ctx.getSystem(), sessionId);
      return Effect().noReply();
    }
    return Effect().reply(cmd.replyTo(), lifecycle.notFound());
  }

  private ReplyEffect<Event, RecordingState> onDelete(RecordingState state, Delete cmd) {
    return Effect()
        .persist(new Deleted(clock.millis()))
        .thenRun(
            s -> {
              lifecycle.deleted();
              liveBuffer.update(s);
              deleteHistory(cmd.replyTo());
            })
        .thenNoReply();
  }

  /** Removes the history before the marker just persisted; the outcome comes back as a command. */
  private void deleteHistory(ActorRef<SessionReply> replyTo) {
    ctx.pipeToSelf(
        SessionDeletion.deleteHistory(
            ctx.getSystem(),
            sessionId,
            persistenceId(sessionId.name()).id(),
            lastSequenceNumber(ctx)),
        (done, failure) ->
            new HistoryDeleted(replyTo, failure == null ? null : failure.toString()));
  }

  private ReplyEffect<Event, RecordingState> onHistoryDeleted(
      RecordingState state, HistoryDeleted cmd) {
    SessionReply answer = SessionDeletion.outcome(ctx.getLog(), sessionId, cmd.failure());
    if (cmd.replyTo() == null) {
      return Effect().noReply();
    }
    return Effect().reply(cmd.replyTo(), answer);
  }

  private ReplyEffect<Event, RecordingState> onRefresh(RecordingState state, Refresh cmd) {
    return Effect().reply(cmd.hub(), new Subscriber.Refreshed(cmd.connectionId(), view(state)));
  }

  private ReplyEffect<Event, RecordingState> onGetSummary(RecordingState state, GetSummary cmd) {
    return Effect()
        .reply(
            cmd.replyTo(),
            lifecycle.summary(
                state, state.bufferBytes(), state.droppedBytes(), state.isEnded(), null));
  }

  private ReplyEffect<Event, RecordingState> onTick(RecordingState state, Tick cmd) {
    lifecycle.onTick(false);
    return Effect().noReply();
  }

  private ReplyEffect<Event, RecordingState> onIdleCheck(RecordingState state, IdleCheck cmd) {
    lifecycle.onIdleCheck(true);
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- helpers

  private SessionReply.Rejected checkPublisher(RecordingState state, String memberId) {
    SessionReply.Rejected refused = lifecycle.checkRole(memberId, "publisher");
    if (refused != null) {
      return refused;
    }
    if (state.isEnded()) {
      return new SessionReply.Rejected(ErrorCode.CONFLICT, sessionId + " has ended");
    }
    return null;
  }

  private boolean removeMember(String memberId) {
    return lifecycle.remove(memberId, settings.tickInterval()) != null;
  }

  private SessionView view(RecordingState state) {
    return lifecycle.view(state, state.view());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<RecordingState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            Created.class,
            (state, e) -> {
              state.counted();
              state.created(e.epoch(), e.ts());
              return state;
            })
        .onEvent(
            Published.class,
            (state, e) -> {
              state.counted();
              // live, the event carries its blob's bytes; recovered, it does not (read back later)
              RecordedBatch b = e.batch();
              state.published(
                  b.withoutBlobBytes(),
                  settings.liveBufferBytes(),
                  b.blob() == null ? null : b.bytes());
              return state;
            })
        .onEvent(Deleted.class, (state, e) -> new RecordingState())
        .onEvent(
            Ended.class,
            (state, e) -> {
              state.counted();
              state.ended(new RecordingEnded(e.seq(), e.ts(), e.by()));
              return state;
            })
        .build();
  }
}
