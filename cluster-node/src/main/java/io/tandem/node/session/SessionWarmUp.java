package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.tandem.node.map.MapEntity;
import io.tandem.node.map.MapSettings;
import io.tandem.node.map.MapState;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.recording.RecordingSettings;
import io.tandem.node.recording.RecordingState;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.room.RoomSettings;
import io.tandem.node.room.RoomState;
import io.tandem.persistence.blob.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a starting node's session entities before its shard regions register, so that the first
 * sessions it is given start as fast as on a node that has run for a while.
 *
 * <p>A JVM that has just started loads the entity's, the persistence plugin's and the driver's
 * classes (each one through the metrics agent's matchers), prepares the plugin's statements and
 * runs interpreted code on its first recovery: 1 s for a 300-event room on a quiet node against 0.2
 * s warm, and 3 to 6 s in a rolling restart under load, where the rebalance hands the node that
 * just came back some rooms of busy nodes and their members wait out the recovery
 * (docs/benchmarks.md, "A node that joins warms its entities first").
 *
 * <p>First the CBOR mapper builds the reader and writer of every type the kinds journal and of the
 * commands and replies nodes exchange about sessions. Then, for every session kind, one entity
 * under a name no session has ({@code tandem.warm-up.<uuid>}, outside sharding) recovers from the
 * journal (an empty history) and answers a summary, and is stopped. Nothing is written. The kinds
 * warm side by side, all within {@code within}: a warm-up that has not finished by then (the
 * journal unreachable) is left to end on its own, and the node starts anyway.
 */
public final class SessionWarmUp {
  private static final Logger log = LoggerFactory.getLogger(SessionWarmUp.class);

  /**
   * A session kind: its name (for the log), its entity's behavior for a name, and the types its
   * journal holds (its event interface, its snapshot), whose (de)serializers are built ahead.
   */
  public record Kind(
      String name, Function<String, Behavior<SessionCommand>> entity, List<Class<?>> journaled) {}

  /** What nodes send each other about sessions, whatever their kind. */
  static final List<Class<?>> COMMON = List.of(SessionCommand.Common.class, SessionReply.class);

  /** The node's session kinds: rooms, recordings and maps. */
  public static List<Kind> kinds(
      RoomSettings rooms,
      RecordingSettings recordings,
      MapSettings maps,
      Clock clock,
      BlobStore blobs) {
    return List.of(
        new Kind(
            "room",
            name -> RoomEntity.create(name, null, rooms, clock),
            List.of(RoomEntity.Event.class, RoomState.class)),
        new Kind(
            "recording",
            name -> RecordingEntity.create(name, null, recordings, clock, blobs),
            List.of(RecordingEntity.Event.class, RecordingState.Snapshot.class)),
        new Kind(
            "map",
            name -> MapEntity.create(name, null, maps, clock),
            List.of(MapEntity.Event.class, MapState.Snapshot.class)));
  }

  /**
   * The serializer binding of every {@code CborSerializable} (persistence's serialization.conf).
   */
  private static final String BINDING = "jackson-cbor";

  private SessionWarmUp() {}

  /**
   * Warms every kind, and the (de)serializers of what nodes send each other about sessions, waiting
   * at most {@code within} (zero: no warm-up). Returns whether every kind answered in time.
   */
  public static boolean run(ActorSystem<?> system, List<Kind> kinds, Duration within)
      throws InterruptedException {
    if (within.isZero() || kinds.isEmpty()) {
      return true;
    }
    long started = System.nanoTime();
    Set<Class<?>> types = new LinkedHashSet<>();
    kinds.forEach(k -> k.journaled().forEach(t -> withSubtypes(t, types)));
    COMMON.forEach(t -> withSubtypes(t, types));
    prefetchSerializers(system, types);
    long deadline = started + within.toNanos();
    List<CompletableFuture<Void>> answers = new ArrayList<>();
    for (Kind kind : kinds) {
      CompletableFuture<Void> answered = new CompletableFuture<>();
      system.systemActorOf(
          warm(kind, deadline, answered),
          "warm-up-" + kind.name() + "-" + UUID.randomUUID(),
          Props.empty());
      answers.add(answered);
    }
    try {
      CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      log.info(
          "warmed the session entities ({}) in {} ms",
          kinds.stream().map(Kind::name).toList(),
          (System.nanoTime() - started) / 1_000_000);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      log.warn(
          "the session entities were not warmed within {} ({}); starting anyway",
          within,
          e instanceof ExecutionException ? e.getCause().toString() : "no answer");
      return false;
    }
  }

  /** The pause before an entity that stopped unanswered is tried again. */
  static final Duration RETRY_AFTER = Duration.ofMillis(500);

  private static final String RETRY = "retry";

  /**
   * One kind's warm-up: an entity under a fresh name recovers and answers a summary, and is
   * stopped. An entity that stops without answering (its first query timed out, as a Cassandra that
   * has just started may let it) is tried again under a new name after {@link #RETRY_AFTER}, until
   * the deadline.
   */
  private static Behavior<Object> warm(Kind kind, long deadline, CompletableFuture<Void> answered) {
    return Behaviors.setup(
        ctx -> {
          ActorRef<SessionSummary> self = ctx.getSelf().narrow();
          Runnable start =
              () -> {
                ActorRef<SessionCommand> entity =
                    ctx.spawnAnonymous(kind.entity().apply("tandem.warm-up." + UUID.randomUUID()));
                ctx.watch(entity);
                entity.tell(new SessionCommand.GetSummary(self));
              };
          start.run();
          return Behaviors.receive(Object.class)
              .onMessage(
                  SessionSummary.class,
                  summary -> {
                    answered.complete(null);
                    ctx.getChildren()
                        .forEach(c -> c.unsafeUpcast().tell(SessionCommand.Stop.INSTANCE));
                    return Behaviors.same();
                  })
              .onMessageEquals(
                  RETRY,
                  () -> {
                    start.run();
                    return Behaviors.same();
                  })
              .onSignal(
                  Terminated.class,
                  stopped -> {
                    if (answered.isDone() || System.nanoTime() >= deadline) {
                      answered.completeExceptionally(
                          new IllegalStateException(kind.name() + " entity stopped"));
                      return Behaviors.stopped();
                    }
                    // a pause first: a journal that fails at once (its tables still being made,
                    // its circuit breaker open) is not asked again in a loop
                    ctx.scheduleOnce(RETRY_AFTER, ctx.getSelf(), RETRY);
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /**
   * Builds the CBOR mapper's reader and writer of each type ahead of its first message. Jackson
   * makes a type's deserializer (and those of its properties) by reflection on first use and keeps
   * it; on a new JVM that was most of a room's first recovery after the persistence plugin itself.
   * A type Jackson cannot handle is skipped: it would fail the same way on first use, where its
   * error belongs.
   */
  static int prefetchSerializers(ActorSystem<?> system, Set<Class<?>> types) {
    if (types.isEmpty()) {
      return 0;
    }
    // the mapper the binding's serializer uses: made once per binding name, with the CBOR factory
    // as the serializer makes it (whichever asks first)
    ObjectMapper mapper =
        JacksonObjectMapperProvider.get(system.classicSystem())
            .getOrCreate(BINDING, Optional.of(new CBORFactory()));
    int built = 0;
    for (Class<?> type : types) {
      try {
        mapper.readerFor(type);
        mapper.writerFor(type);
        built++;
      } catch (RuntimeException e) {
        log.debug("no (de)serializer built ahead for {}: {}", type.getName(), e.toString());
      }
    }
    return built;
  }

  /** {@code type} and every subtype it names: Jackson's {@code @JsonSubTypes}, sealed permits. */
  static void withSubtypes(Class<?> type, Set<Class<?>> out) {
    if (!out.add(type)) {
      return;
    }
    JsonSubTypes named = type.getAnnotation(JsonSubTypes.class);
    if (named != null) {
      for (JsonSubTypes.Type t : named.value()) {
        withSubtypes(t.value(), out);
      }
    }
    if (type.isSealed()) {
      for (Class<?> permitted : type.getPermittedSubclasses()) {
        withSubtypes(permitted, out);
      }
    }
  }
}
