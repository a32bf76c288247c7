package io.tandem.node.participant;

import io.tandem.node.room.MemberPose;
import io.tandem.persistence.CborSerializable;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One XR client (a principal on one device, {@code hello.client.device}), sharded by {@code
 * principal|device}, living across its connections: its latest pose, what it holds in which room,
 * its outbound bandwidth estimate and the level of detail it was told to load. A connection
 * attaches when it says hello and gets what the previous one left; it reports while it runs and
 * detaches when it closes. With no connection for the grace period the participant stops and
 * forgets.
 *
 * <p>Nothing here is durable: poses and bandwidth are ephemeral, and holds are owned (and kept for
 * the same grace period, and released after it) by the rooms. The participant survives reconnects,
 * not the loss of its node; a headset coming back after that starts over at high detail. Blocks on
 * nothing.
 */
public final class ParticipantEntity extends AbstractBehavior<ParticipantEntity.Command> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "participant");

  /** Registers participants with Cluster Sharding on this node. */
  public static void init(ActorSystem<?> system, Duration grace) {
    ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ctx -> create(grace)).withStopMessage(Stop.INSTANCE));
  }

  /** The participant of {@code principal} on {@code device}. */
  public static EntityRef<Command> ref(ActorSystem<?> system, String principal, String device) {
    return ClusterSharding.get(system).entityRefFor(ENTITY_KEY, principal + "|" + device);
  }

  public static Behavior<Command> create(Duration grace) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new ParticipantEntity(ctx, timers, grace)));
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

  /** Sent by the shard to stop it (rebalance, passivation). */
  public enum Stop implements Command {
    INSTANCE
  }

  private enum GraceOver implements Command {
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

  // ---------------------------------------------------------------- state

  private final TimerScheduler<Command> timers;
  private final Duration grace;
  private String connectionId;
  private MemberPose pose;
  private String lod;
  private Long bytesPerSecond;
  private final Map<String, Set<String>> holds = new LinkedHashMap<>();

  private ParticipantEntity(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Duration grace) {
    super(ctx);
    this.timers = timers;
    this.grace = grace;
    // an entity nobody attaches to (a stray report) does not stay
    timers.startSingleTimer(GraceOver.INSTANCE, grace);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Report.class, this::onReport)
        .onMessage(Hold.class, this::onHold)
        .onMessage(Detach.class, this::onDetach)
        .onMessageEquals(GraceOver.INSTANCE, this::onGraceOver)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Command> onAttach(Attach cmd) {
    connectionId = cmd.connectionId();
    timers.cancel(GraceOver.INSTANCE);
    Map<String, List<String>> held = new LinkedHashMap<>();
    holds.forEach((session, ids) -> held.put(session, List.copyOf(ids)));
    cmd.replyTo()
        .tell(new Remembered(pose, lod, bytesPerSecond, Collections.unmodifiableMap(held)));
    return this;
  }

  private Behavior<Command> onReport(Report cmd) {
    if (cmd.connectionId().equals(connectionId)) {
      if (cmd.pose() != null) {
        pose = cmd.pose();
      }
      if (cmd.lod() != null) {
        lod = cmd.lod();
      }
      if (cmd.bytesPerSecond() != null) {
        bytesPerSecond = cmd.bytesPerSecond();
      }
    }
    return this;
  }

  private Behavior<Command> onHold(Hold cmd) {
    if (cmd.connectionId().equals(connectionId)) {
      if (cmd.held()) {
        holds.computeIfAbsent(cmd.session(), s -> new LinkedHashSet<>()).add(cmd.objectId());
      } else {
        Set<String> ids = holds.get(cmd.session());
        if (ids != null && ids.remove(cmd.objectId()) && ids.isEmpty()) {
          holds.remove(cmd.session());
        }
      }
    }
    return this;
  }

  private Behavior<Command> onDetach(Detach cmd) {
    // a newer connection that attached first keeps the participant
    if (cmd.connectionId().equals(connectionId)) {
      connectionId = null;
      timers.startSingleTimer(GraceOver.INSTANCE, grace);
    }
    return this;
  }

  private Behavior<Command> onGraceOver() {
    return connectionId == null ? Behaviors.stopped() : this;
  }
}
