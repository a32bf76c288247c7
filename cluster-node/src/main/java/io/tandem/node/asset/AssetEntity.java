package io.tandem.node.asset;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.blob.BlobRef;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * A 3D asset ({@code GET/PUT /v1/assets/{id}}): which blob holds each of its levels of detail. The
 * bytes live once, content-addressed, in the blob store; this entity persists only the reference of
 * each level as it is published (the latest wins). Sharded by asset id. Blocks on nothing.
 */
public final class AssetEntity
    extends EventSourcedBehaviorWithEnforcedReplies<
        AssetEntity.Command, AssetEntity.Event, AssetEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "asset");

  public static void init(ActorSystem<?> system, Clock clock) {
    ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), clock)));
  }

  public static Behavior<Command> create(String assetId, Clock clock) {
    return new AssetEntity(assetId, clock);
  }

  // ---------------------------------------------------------------- commands

  public interface Command extends CborSerializable {}

  /** Make {@code ref} the bytes of level {@code lod}; answered with the version stored. */
  public record Publish(String lod, BlobRef ref, String contentType, ActorRef<Version> replyTo)
      implements Command {}

  /** The asset's levels (empty when it was never published). */
  public record Get(ActorRef<State> replyTo) implements Command {}

  // ---------------------------------------------------------------- events and state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({@JsonSubTypes.Type(value = Published.class, name = "published")})
  public interface Event extends CborSerializable {}

  public record Published(String lod, BlobRef ref, String contentType, long ts) implements Event {}

  /** One level of detail: its blob and content type. */
  public record Version(BlobRef ref, String contentType, long ts) implements CborSerializable {}

  /** Level ({@code high}, {@code low}) to its current version. */
  public record State(Map<String, Version> levels) implements CborSerializable {
    public State with(Published p) {
      Map<String, Version> m = new LinkedHashMap<>(levels);
      m.put(p.lod(), new Version(p.ref(), p.contentType(), p.ts()));
      return new State(Collections.unmodifiableMap(m));
    }
  }

  // ---------------------------------------------------------------- behaviour

  private final Clock clock;

  private AssetEntity(String assetId, Clock clock) {
    super(PersistenceId.of(ENTITY_KEY.name(), assetId));
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(Map.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Publish.class, this::onPublish)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  private ReplyEffect<Event, State> onPublish(State state, Publish cmd) {
    Version current = state.levels().get(cmd.lod());
    if (current != null
        && current.ref().equals(cmd.ref())
        && current.contentType().equals(cmd.contentType())) {
      // the same bytes again: nothing to persist
      return Effect().reply(cmd.replyTo(), current);
    }
    Published p = new Published(cmd.lod(), cmd.ref(), cmd.contentType(), clock.millis());
    return Effect().persist(p).thenReply(cmd.replyTo(), s -> s.levels().get(cmd.lod()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forAnyState().onEvent(Published.class, (state, p) -> state.with(p));
    return builder.build();
  }
}
