package io.tandem.node.map;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
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
import io.tandem.node.session.SessionView;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.snapshot.SnapshotParts;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.DeleteSnapshotsFailure;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.SnapshotFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A map ({@code map:<name>}, protocol section 4.5): one sharded, event-sourced actor per map, whose
 * state is a large set of keyed entries that publishers keep updating.
 *
 * <ul>
 *   <li>Durable puts are exact: each is one persisted event with the next {@code seq}, sent once to
 *       every subscribed node. Puts that queued on a publisher's connection while the previous
 *       write was in flight arrive as one {@link Put} and are persisted in one journal write.
 *   <li>Ephemeral puts replace the live values at once, without an event: at each tick the values
 *       put since the last one go out once per node, coalesced per key ({@link
 *       Subscriber.MapTicked}); every {@code checkpoint-interval} the latest values of the keys
 *       that changed are persisted ({@link EphemeralCheckpointed}), so after a crash they are at
 *       most that much older. A durable put of a key supersedes its pending ephemeral value.
 *   <li>Late joiners get the state cut into parts that each fit one frame ({@link MapView}, then
 *       {@link Subscriber.MapPart}s); parts cut within {@code snapshot-reuse} are handed out again,
 *       with the values changed since as {@link Subscriber.MapEphemeral}. A resume gets the missed
 *       durable changes (as rooms and recordings do), then every current ephemeral value.
 *   <li>{@code control} from any member goes to the hubs of the publishers, never persisted.
 *   <li>Limits (entries, bytes per value, bytes of state) are checked per put before anything
 *       changes: a put over one is refused with {@code too_big} and changes nothing.
 *   <li>Pekko snapshots every {@code snapshot-every} events keep recovery short. They go to the
 *       snapshot store for large snapshots ({@code tandem.map.snapshot-store}), in parts of {@code
 *       snapshot-part-bytes}: a million entries are far more than one Cassandra row holds.
 * </ul>
 *
 * Blocks on nothing.
 *
 * <p>Why this file is over 500 lines: like {@link io.tandem.node.room.RoomEntity} it holds the
 * map's commands, events, handlers by phase and event handler together; the state and its limits
 * ({@link MapState}), the cut of snapshots into parts ({@link MapView}) and the lifecycle ({@link
 * SessionLifecycle}) are their own classes.
 */
public final class MapEntity
    extends EventSourcedBehaviorWithEnforcedReplies<SessionCommand, MapEntity.Event, MapState> {

  public static final EntityTypeKey<SessionCommand> ENTITY_KEY =
      EntityTypeKey.create(SessionCommand.class, "map");

  /** Registers maps with Cluster Sharding on this node. */
  public static void init(ActorSystem<?> system, MapSettings settings, Clock clock) {
    ClusterSharding.get(system)
        .init(
            Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), ctx.getShard(), settings, clock))
                .withStopMessage(Stop.INSTANCE));
  }

  /** The behavior; {@code shard} may be null outside sharding (then it never passivates). */
  public static Behavior<SessionCommand> create(
      String name,
      ActorRef<ClusterSharding.ShardCommand> shard,
      MapSettings settings,
      Clock clock) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new MapEntity(name, shard, settings, clock, ctx, timers)));
  }

  public static PersistenceId persistenceId(String name) {
    return PersistenceId.of(ENTITY_KEY.name(), name);
  }

  // ---------------------------------------------------------------- commands

  /** What a map accepts. */
  public interface Command extends SessionCommand {}

  /** One put frame's content: a null (or JSON null) value deletes its key. */
  public record PutRequest(Map<String, JsonNode> entries, boolean durable)
      implements CborSerializable {}

  /** Apply these puts, in order, each atomically; the durable ones in one journal write. */
  public record Put(String memberId, List<PutRequest> puts, ActorRef<PutsReply> replyTo)
      implements Command, SessionCommand.Request {
    @Override
    public void undelivered() {
      SessionReply each = SessionCommand.undeliveredReply();
      replyTo.tell(new PutsReply(java.util.Collections.nCopies(puts.size(), each)));
    }
  }

  /** One answer per put, in order: accepted (with its seq when durable) or rejected. */
  public record PutsReply(List<SessionReply> results) implements CborSerializable {}

  /** A member's control object for the publishers. */
  public record Control(String memberId, ObjectNode control, ActorRef<SessionReply> replyTo)
      implements Command, SessionCommand.Answered {}

  /** Internal: persist the latest ephemeral values. */
  public enum Checkpoint implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Created.class, name = "created"),
    @JsonSubTypes.Type(value = EntriesPut.class, name = "put"),
    @JsonSubTypes.Type(value = EphemeralCheckpointed.class, name = "checkpoint"),
    @JsonSubTypes.Type(value = Deleted.class, name = "deleted")
  })
  public interface Event extends CborSerializable {}

  public record Created(String epoch, long ts) implements Event {}

  /** One durable put. */
  public record EntriesPut(MapChange change) implements Event, ChangeEvent {}

  /**
   * The latest values (a null or JSON null value: deleted) of keys put ephemerally since the last
   * checkpoint, when the map's seq was {@code afterSeq}. Replays show it as {@code changes} without
   * seq.
   */
  public record EphemeralCheckpointed(long ts, long afterSeq, Map<String, JsonNode> values)
      implements Event {}

  /**
   * The map was deleted: its state is "never created" again, and a later join creates it afresh
   * with a new epoch. The marker holds nothing of the history (see {@link
   * io.tandem.node.session.SessionDeletion}).
   */
  public record Deleted(long ts) implements Event {}

  // ---------------------------------------------------------------- the actor

  private final SessionId sessionId;
  private final org.apache.pekko.actor.typed.ActorSystem<?> system;
  private final MapSettings settings;
  private final Clock clock;
  private final TimerScheduler<SessionCommand> timers;
  private final ActorContext<SessionCommand> ctx;
  private final SessionLifecycle lifecycle;
  private final SessionMembers members;
  private final long startedAt = System.nanoTime();

  private MapEntity(
      String name,
      ActorRef<ClusterSharding.ShardCommand> shard,
      MapSettings settings,
      Clock clock,
      ActorContext<SessionCommand> ctx,
      TimerScheduler<SessionCommand> timers) {
    super(persistenceId(name));
    this.sessionId = SessionId.map(name);
    this.system = ctx.getSystem();
    this.settings = settings;
    this.clock = clock;
    this.timers = timers;
    this.ctx = ctx;
    this.lifecycle =
        new SessionLifecycle(
            sessionId, ctx, timers, shard, settings.passivateAfter(), settings.maxMembers());
    this.members = lifecycle.members();
  }

  @Override
  public MapState emptyState() {
    return new MapState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SnapshotAdapter<MapState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(MapState state) {
        return state.toSnapshot(settings.snapshotPartBytes());
      }

      @Override
      public MapState fromJournal(Object from) {
        if (from instanceof SnapshotParts loaded) {
          List<MapState.Part> parts = new ArrayList<>(loaded.parts().size());
          loaded.parts().forEach(p -> parts.add((MapState.Part) p));
          return MapState.fromSnapshot((MapState.Head) loaded.head(), parts);
        }
        MapState.Snapshot whole = (MapState.Snapshot) from;
        return MapState.fromSnapshot(whole.head(), whole.parts());
      }
    };
  }

  /**
   * The snapshot store for large snapshots ({@code tandem.map.snapshot-store}; "": the default).
   */
  @Override
  public String snapshotPluginId() {
    return settings.snapshotStore();
  }

  @Override
  public SignalHandler<MapState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              TandemMetrics.recovered("map", System.nanoTime() - startedAt);
              ctx.getLog()
                  .info(
                      "{} recovered: {} entries at seq {} in {} ms",
                      sessionId,
                      state.size(),
                      state.seq(),
                      (System.nanoTime() - startedAt) / 1_000_000);
            })
        .onSignal(
            SnapshotCompleted.class,
            (state, done) ->
                ctx.getLog()
                    .info(
                        "{}: snapshot at journal event {} saved",
                        sessionId,
                        done.metadata().sequenceNr()))
        .onSignal(
            SnapshotFailed.class,
            (state, failed) ->
                ctx.getLog()
                    .warn(
                        "{}: snapshot at journal event {} failed: {}",
                        sessionId,
                        failed.metadata().sequenceNr(),
                        failed.getFailure().toString()))
        .build();
  }

  /**
   * Handlers by phase, like the room's: a map that does not exist yet (never joined, or deleted) is
   * created by its first join and has nothing to delete; an existing one admits joins and deletes
   * its history. Everything else is handled alike in both phases.
   */
  @Override
  public CommandHandlerWithReply<SessionCommand, Event, MapState> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forState(state -> !state.exists())
        .onCommand(Join.class, this::onFirstJoin)
        .onCommand(
            Delete.class, (state, cmd) -> Effect().reply(cmd.replyTo(), lifecycle.notFound()));
    builder
        .forState(MapState::exists)
        .onCommand(Join.class, this::onJoin)
        .onCommand(Delete.class, this::onDelete);
    builder
        .forAnyState()
        .onCommand(Leave.class, this::onLeave)
        .onCommand(Disconnect.class, this::onDisconnect)
        .onCommand(Put.class, this::onPut)
        .onCommand(Control.class, this::onControl)
        .onCommand(Refresh.class, this::onRefresh)
        .onCommand(GetSummary.class, this::onGetSummary)
        .onCommand(Tick.class, this::onTick)
        .onCommand(Checkpoint.class, this::onCheckpoint)
        .onCommand(HubTerminated.class, this::onHubTerminated)
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, this::onStop)
        .onCommand(HistoryDeleted.class, this::onHistoryDeleted);
    return builder.build();
  }

  /** The join that creates the map: a new epoch, then the join is admitted. */
  private ReplyEffect<Event, MapState> onFirstJoin(MapState state, Join cmd) {
    Subscriber.Refused full = lifecycle.refuseWhenFull(cmd);
    if (full != null) {
      return Effect().reply(cmd.hub(), full);
    }
    Created created = new Created(UUID.randomUUID().toString(), clock.millis());
    return Effect()
        .persist(created)
        .thenRun(s -> SessionIndex.recordCreated(system, sessionId, created.ts()))
        .thenRun(s -> admit(s, cmd))
        .thenNoReply();
  }

  private ReplyEffect<Event, MapState> onJoin(MapState state, Join cmd) {
    Subscriber.Refused full = lifecycle.refuseWhenFull(cmd);
    if (full != null) {
      return Effect().reply(cmd.hub(), full);
    }
    admit(state, cmd);
    return Effect().noReply();
  }

  /**
   * Sends the join's answer to its hub, then what belongs to it: the snapshot's parts and the
   * values changed since they were cut, or after a resume every current ephemeral value.
   */
  private void admit(MapState state, Join cmd) {
    MapState.Cut[] cut = new MapState.Cut[1];
    Subscriber.Message answer =
        lifecycle.admit(
            cmd,
            state,
            settings.tickInterval(),
            () -> {
              cut[0] = state.cutParts(settings.partBytes(), settings.snapshotReuse());
              return view(state, cut[0]);
            });
    cmd.hub().tell(answer);
    if (answer instanceof Subscriber.Admitted) {
      sendRest(cmd.hub(), cmd.connectionId(), state, cut[0]);
    } else if (!(answer instanceof Subscriber.Refused)) {
      List<Subscriber.EntryChunk> values = state.ephemeralValues(settings.partBytes());
      if (!values.isEmpty()) {
        cmd.hub().tell(new Subscriber.MapEphemeral(cmd.connectionId(), values));
      }
    }
  }

  /**
   * The view whose snapshot announces the parts: the entries themselves when one part holds all.
   */
  private SessionView view(MapState state, MapState.Cut cut) {
    List<Subscriber.EntryChunk> parts = cut.parts();
    MapView view =
        parts.size() <= 1
            ? new MapView(1, cut.version(), parts.isEmpty() ? Map.of() : parts.get(0).entries())
            : new MapView(parts.size() + 1, cut.version(), Map.of());
    return lifecycle.view(state, view);
  }

  private void sendRest(
      ActorRef<Subscriber.Message> hub, String connectionId, MapState state, MapState.Cut cut) {
    if (cut.parts().size() > 1) {
      for (int i = 0; i < cut.parts().size(); i++) {
        hub.tell(
            new Subscriber.MapPart(
                connectionId, state.seq(), cut.version(), i + 1, cut.parts().get(i).entries()));
      }
    }
    if (!cut.since().isEmpty()) {
      hub.tell(new Subscriber.MapEphemeral(connectionId, cut.since()));
    }
  }

  private ReplyEffect<Event, MapState> onRefresh(MapState state, Refresh cmd) {
    MapState.Cut cut = state.cutParts(settings.partBytes(), settings.snapshotReuse());
    cmd.hub().tell(new Subscriber.Refreshed(cmd.connectionId(), view(state, cut)));
    sendRest(cmd.hub(), cmd.connectionId(), state, cut);
    return Effect().noReply();
  }

  private ReplyEffect<Event, MapState> onLeave(MapState state, Leave cmd) {
    if (lifecycle.remove(cmd.memberId(), settings.tickInterval()) == null) {
      return Effect().reply(cmd.replyTo(), lifecycle.notJoined());
    }
    return Effect().reply(cmd.replyTo(), new SessionReply.Accepted(null));
  }

  private ReplyEffect<Event, MapState> onDisconnect(MapState state, Disconnect cmd) {
    lifecycle.remove(cmd.memberId(), settings.tickInterval());
    return Effect().noReply();
  }

  private ReplyEffect<Event, MapState> onHubTerminated(MapState state, HubTerminated cmd) {
    members.membersOf(cmd.hub()).forEach(id -> lifecycle.remove(id, settings.tickInterval()));
    members.hubGone(cmd.hub());
    return Effect().noReply();
  }

  private ReplyEffect<Event, MapState> onPut(MapState state, Put cmd) {
    SessionReply.Rejected refused = lifecycle.checkRole(cmd.memberId(), "publisher");
    if (refused != null) {
      List<SessionReply> all = new ArrayList<>();
      cmd.puts().forEach(p -> all.add(refused));
      return Effect().reply(cmd.replyTo(), new PutsReply(all));
    }
    long now = clock.millis();
    long next = state.seq() + 1;
    Map<String, Integer> overlay = new java.util.HashMap<>();
    long[] totals = {state.size(), state.bytes()};
    List<SessionReply> results = new ArrayList<>(cmd.puts().size());
    List<Event> events = new ArrayList<>();
    List<Map<String, JsonNode>> ephemeral = new ArrayList<>();
    for (PutRequest p : cmd.puts()) {
      String problem = null;
      if (p.durable()) {
        long frameBytes = 0;
        for (Map.Entry<String, JsonNode> e : p.entries().entrySet()) {
          frameBytes += MapSizes.entry(e.getKey(), e.getValue());
        }
        if (frameBytes > settings.partBytes()) {
          problem =
              "a durable put takes at most "
                  + settings.partBytes()
                  + " bytes of entries (its changes frame must fit one frame); this one "
                  + frameBytes;
        }
      }
      if (problem == null) {
        problem = state.check(p.entries(), settings, overlay, totals);
      }
      if (problem != null) {
        results.add(new SessionReply.Rejected(ErrorCode.TOO_BIG, problem));
      } else if (p.durable()) {
        events.add(new EntriesPut(new MapChange(next, now, cmd.memberId(), p.entries())));
        results.add(new SessionReply.Accepted(next));
        next++;
        // a durable put supersedes the ephemeral values of its keys put before it
        ephemeral.forEach(m -> m.keySet().removeAll(p.entries().keySet()));
      } else {
        ephemeral.add(new LinkedHashMap<>(p.entries()));
        results.add(new SessionReply.Accepted(null));
      }
    }
    PutsReply reply = new PutsReply(List.copyOf(results));
    if (events.isEmpty()) {
      applyEphemeral(state, ephemeral, now);
      return Effect().reply(cmd.replyTo(), reply);
    }
    return Effect()
        .persist(events)
        .thenRun(
            s -> {
              members.publishChanges(events);
              applyEphemeral(s, ephemeral, now);
            })
        .thenReply(cmd.replyTo(), s -> reply);
  }

  private void applyEphemeral(MapState state, List<Map<String, JsonNode>> puts, long now) {
    boolean any = false;
    for (Map<String, JsonNode> p : puts) {
      if (!p.isEmpty()) {
        state.putEphemeral(p, now);
        any = true;
      }
    }
    if (any && !timers.isTimerActive(Checkpoint.INSTANCE)) {
      timers.startSingleTimer(Checkpoint.INSTANCE, settings.checkpointInterval());
    }
  }

  private ReplyEffect<Event, MapState> onControl(MapState state, Control cmd) {
    if (!members.contains(cmd.memberId())) {
      return Effect().reply(cmd.replyTo(), lifecycle.notJoined());
    }
    Map<ActorRef<Subscriber.Message>, List<String>> byHub = new LinkedHashMap<>();
    members
        .view()
        .forEach(
            (id, info) -> {
              if ("publisher".equals(info.role())) {
                byHub.computeIfAbsent(members.get(id).hub(), h -> new ArrayList<>()).add(id);
              }
            });
    if (byHub.isEmpty()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              new SessionReply.Rejected(
                  ErrorCode.UNAVAILABLE, "no publisher is joined to " + sessionId));
    }
    byHub.forEach(
        (hub, ids) ->
            hub.tell(new Subscriber.MapControl(cmd.memberId(), cmd.control(), List.copyOf(ids))));
    return Effect().reply(cmd.replyTo(), new SessionReply.Accepted(null));
  }

  private ReplyEffect<Event, MapState> onTick(MapState state, Tick cmd) {
    List<Subscriber.EntryChunk> chunks = state.takeTick(settings.partBytes());
    if (!chunks.isEmpty() && members.hasHubs()) {
      // one message per chunk: each stays within what a node sends another in one piece
      chunks.forEach(c -> members.broadcast(new Subscriber.MapTicked(List.of(c))));
    }
    state.dropOldCut(settings.snapshotReuse());
    // a map ticks while it has members: its publisher's ephemeral puts are coalesced per tick
    lifecycle.onTick(!members.isEmpty());
    return Effect().noReply();
  }

  private ReplyEffect<Event, MapState> onCheckpoint(MapState state, Checkpoint cmd) {
    if (!state.hasUncheckpointed()) {
      return Effect().noReply();
    }
    return Effect()
        .persist(checkpoint(state))
        .thenRun(
            s -> {
              if (s.hasUncheckpointed()) {
                timers.startSingleTimer(Checkpoint.INSTANCE, settings.checkpointInterval());
              }
            })
        .thenNoReply();
  }

  private EphemeralCheckpointed checkpoint(MapState state) {
    return new EphemeralCheckpointed(
        clock.millis(), state.seq(), state.takeCheckpoint(settings.checkpointMaxBytes()));
  }

  private ReplyEffect<Event, MapState> onIdleCheck(MapState state, IdleCheck cmd) {
    lifecycle.onIdleCheck(!state.hasUncheckpointed());
    return Effect().noReply();
  }

  /** Sharding stops the map (rebalance, shutdown): the unsaved ephemeral values are saved first. */
  private ReplyEffect<Event, MapState> onStop(MapState state, Stop cmd) {
    members.announceStopping();
    if (state.hasUncheckpointed()) {
      return Effect().persist(checkpoint(state)).thenStop().thenNoReply();
    }
    return Effect().stop().thenNoReply();
  }

  private ReplyEffect<Event, MapState> onDelete(MapState state, Delete cmd) {
    return Effect()
        .persist(new Deleted(clock.millis()))
        .thenRun(
            s -> {
              lifecycle.deleted();
              timers.cancel(Checkpoint.INSTANCE);
              String pid = persistenceId(sessionId.name()).id();
              long marker = lastSequenceNumber(ctx);
              ctx.pipeToSelf(
                  deleteSnapshots(pid)
                      .thenCompose(
                          done -> SessionDeletion.deleteHistory(system, sessionId, pid, marker)),
                  (done, failure) ->
                      new HistoryDeleted(
                          cmd.replyTo(), failure == null ? null : failure.toString()));
            })
        .thenNoReply();
  }

  /**
   * Deletes every snapshot of the map in its own snapshot store ({@link SessionDeletion} deletes
   * those of the default store); nothing to do on the default store.
   */
  private CompletionStage<Done> deleteSnapshots(String pid) {
    if (settings.snapshotStore().isEmpty()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    org.apache.pekko.actor.ActorRef store =
        Persistence.get(Adapter.toClassic(system))
            .snapshotStoreFor(settings.snapshotStore(), ConfigFactory.empty());
    return Patterns.ask(
            store,
            new SnapshotProtocol.DeleteSnapshots(pid, SnapshotSelectionCriteria.latest()),
            Duration.ofMinutes(1))
        .thenApply(
            answer -> {
              if (answer instanceof DeleteSnapshotsFailure failed) {
                throw new CompletionException(failed.cause());
              }
              return Done.getInstance();
            });
  }

  private ReplyEffect<Event, MapState> onHistoryDeleted(MapState state, HistoryDeleted cmd) {
    SessionReply answer = SessionDeletion.outcome(ctx.getLog(), sessionId, cmd.failure());
    return Effect().reply(cmd.replyTo(), answer);
  }

  private ReplyEffect<Event, MapState> onGetSummary(MapState state, GetSummary cmd) {
    return Effect().reply(cmd.replyTo(), lifecycle.summary(state, null, null, null, null));
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<MapState, Event> eventHandler() {
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
            EntriesPut.class,
            (state, e) -> {
              state.counted();
              state.applyDurable(e.change(), settings.recentChanges());
              return state;
            })
        .onEvent(Deleted.class, (state, e) -> new MapState())
        .onEvent(
            EphemeralCheckpointed.class,
            (state, e) -> {
              state.counted();
              state.applyCheckpoint(e.values());
              return state;
            })
        .build();
  }
}
