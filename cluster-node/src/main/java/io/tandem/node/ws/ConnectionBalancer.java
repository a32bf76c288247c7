package io.tandem.node.ws;

import com.typesafe.config.Config;
import io.tandem.node.cluster.NodeAddress;
import io.tandem.node.metrics.TandemMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evens out WebSocket connections over the cluster once it has grown ({@code tandem.ws.balance}).
 *
 * <p>A connection stays on the node it opened on: when nodes join, sessions (shards) move to them,
 * but the clients do not, and a load balancer sends the new nodes only new connections. After
 * scaling 1 → 3 every client would still be on the first node. So each node publishes how many
 * connections it holds in a replicated map (Pekko Distributed Data, gossiped between nodes; one
 * entry per node address) and, every {@code interval}, compares its own count with the even share
 * over the {@code Up} members. A node holding more than {@code (1 + tolerance)} times the even
 * share asks some of its connections to go elsewhere the way a draining node does ({@code
 * bye{reason:"draining"}}, close 1012: every client already reconnects to any node and resumes with
 * {@code since}). It sheds at most half of its excess per round and at most {@code max-per-second},
 * so the reconnects trickle (no storm); after shedding it waits until the other nodes' counts
 * change (or {@code settle} passes), so that clients still on their way count somewhere before the
 * next round. A node with fewer than {@code min-connections} never sheds. Nothing happens while
 * membership changes or a member is unreachable, nor for {@code settle} after that: sessions move
 * first, and the new node's count has time to arrive.
 */
public final class ConnectionBalancer {
  private static final Logger log = LoggerFactory.getLogger(ConnectionBalancer.class);
  private static final Key<LWWMap<String, Integer>> COUNTS = LWWMapKey.create("tandem-connections");

  /**
   * @param enabled off: connections stay where they opened
   * @param interval how often a node publishes its count and compares
   * @param tolerance how far above the even share a node may be before it sheds (0.25: 25 %)
   * @param maxPerSecond the most connections one node asks to leave per second
   * @param settle how long membership must be unchanged (and everyone reachable) first
   * @param minConnections a node holding fewer never sheds: moving a handful of clients evens out
   *     nothing that matters and costs them a reconnect
   */
  public record Settings(
      boolean enabled,
      Duration interval,
      double tolerance,
      int maxPerSecond,
      Duration settle,
      int minConnections) {
    public Settings {
      if (interval.isNegative()
          || interval.isZero()
          || tolerance < 0
          || maxPerSecond < 1
          || minConnections < 0) {
        throw new IllegalArgumentException(
            "tandem.ws.balance: interval > 0, tolerance >= 0, max-per-second >= 1,"
                + " min-connections >= 0");
      }
    }

    public static Settings fromConfig(Config root) {
      Config c = root.getConfig("tandem.ws.balance");
      return new Settings(
          c.getBoolean("enabled"),
          c.getDuration("interval"),
          c.getDouble("tolerance"),
          c.getInt("max-per-second"),
          c.getDuration("settle"),
          c.getInt("min-connections"));
    }

    /** The most connections shed in one round: {@code max-per-second} over one interval. */
    int maxPerRound() {
      return (int)
          Math.max(1, Math.min(Integer.MAX_VALUE, maxPerSecond * interval.toMillis() / 1000));
    }
  }

  private ConnectionBalancer() {}

  /**
   * How many connections a node holding {@code own} of {@code total} over {@code members} nodes
   * asks to leave this round: none unless it holds more than {@code (1 + tolerance)} times the even
   * share; then half of what it holds above that limit (at least one), at most {@code maxPerRound}.
   * None either on a lone node or one holding fewer than {@code minConnections}.
   */
  static int toShed(
      int own, int total, int members, double tolerance, int maxPerRound, int minConnections) {
    if (members < 2 || own <= 0 || own < minConnections) {
      return 0;
    }
    double even = total / (double) members;
    int limit = (int) Math.ceil(even * (1 + tolerance));
    int excess = own - limit;
    if (excess <= 0) {
      return 0;
    }
    return Math.min(maxPerRound, Math.max(1, excess / 2));
  }

  /** Starts the node's balancer (a system actor), unless it is disabled. */
  public static void start(ActorSystem<?> system, ConnectionRegistry registry) {
    Settings settings = Settings.fromConfig(system.settings().config());
    if (!settings.enabled()) {
      return;
    }
    system.systemActorOf(create(settings, registry), "connection-balancer", Props.empty());
  }

  private sealed interface Command
      extends org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  private enum Round implements Command {
    INSTANCE
  }

  private record CountsChanged(Map<String, Integer> counts) implements Command {}

  private record Ignored() implements Command {}

  static Behavior<Command> create(Settings settings, ConnectionRegistry registry) {
    return Behaviors.setup(
        ctx ->
            DistributedData.<Command, LWWMap<String, Integer>>withReplicatorMessageAdapter(
                replicator ->
                    Behaviors.withTimers(
                        timers -> {
                          timers.startTimerWithFixedDelay(Round.INSTANCE, settings.interval());
                          replicator.subscribe(COUNTS, ConnectionBalancer::changed);
                          return new Balancing(
                                  settings,
                                  registry,
                                  replicator,
                                  DistributedData.get(ctx.getSystem()).selfUniqueAddress(),
                                  Cluster.get(ctx.getSystem()))
                              .behavior();
                        })));
  }

  private static Command changed(Replicator.SubscribeResponse<LWWMap<String, Integer>> response) {
    if (response instanceof Replicator.Changed<LWWMap<String, Integer>> changed) {
      return new CountsChanged(changed.get(COUNTS).getEntries());
    }
    return new Ignored();
  }

  /** The actor's state: the latest counts seen, and since when membership has been unchanged. */
  private static final class Balancing {
    private final Settings settings;
    private final ConnectionRegistry registry;
    private final ReplicatorMessageAdapter<Command, LWWMap<String, Integer>> replicator;
    private final SelfUniqueAddress self;
    private final Cluster cluster;
    private final String selfKey;
    private Map<String, Integer> counts = Map.of();
    private Set<String> members = Set.of();
    private long stableSinceNanos = System.nanoTime();

    /** Since when this node waits to hear the others' counts after it shed; 0: not waiting. */
    private long shedAtNanos;

    Balancing(
        Settings settings,
        ConnectionRegistry registry,
        ReplicatorMessageAdapter<Command, LWWMap<String, Integer>> replicator,
        SelfUniqueAddress self,
        Cluster cluster) {
      this.settings = settings;
      this.registry = registry;
      this.replicator = replicator;
      this.self = self;
      this.cluster = cluster;
      this.selfKey = NodeAddress.of(cluster.selfMember().address());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(CountsChanged.class, this::onCounts)
          .onMessage(Ignored.class, i -> Behaviors.same())
          .onMessageEquals(Round.INSTANCE, this::round)
          .build();
    }

    private Behavior<Command> onCounts(CountsChanged changed) {
      Map<String, Integer> others = new HashMap<>(changed.counts());
      others.remove(selfKey);
      Map<String, Integer> before = new HashMap<>(counts);
      before.remove(selfKey);
      if (!others.equals(before)) {
        shedAtNanos = 0; // news from the others: the clients shed last time have arrived somewhere
      }
      counts = changed.counts();
      return Behaviors.same();
    }

    private Behavior<Command> round() {
      int own = registry.openConnections();
      replicator.askUpdate(
          replyTo ->
              new Replicator.Update<>(
                  COUNTS,
                  LWWMap.empty(),
                  Replicator.writeLocal(),
                  replyTo,
                  map ->
                      own == map.getEntries().getOrDefault(selfKey, -1)
                          ? map
                          : map.put(self, selfKey, own)),
          response -> new Ignored());
      if (!stable() || registry.draining()) {
        return Behaviors.same();
      }
      long now = System.nanoTime();
      if (now - stableSinceNanos < settings.settle().toNanos()) {
        return Behaviors.same();
      }
      // after shedding, wait until the others' counts change (or `settle` passes): until then the
      // clients on their way would be counted nowhere, and this node would shed too many
      if (shedAtNanos != 0 && now - shedAtNanos < settings.settle().toNanos()) {
        return Behaviors.same();
      }
      int total = own;
      for (String member : members) {
        if (!member.equals(selfKey)) {
          total += counts.getOrDefault(member, 0);
        }
      }
      int shed =
          toShed(
              own,
              total,
              members.size(),
              settings.tolerance(),
              settings.maxPerRound(),
              settings.minConnections());
      if (shed > 0) {
        int asked = registry.shed(shed);
        shedAtNanos = now;
        TandemMetrics.connectionsRebalanced(asked);
        log.info(
            "asked {} of {} connections to reconnect elsewhere ({} over {} nodes)",
            asked,
            own,
            total,
            members.size());
      }
      return Behaviors.same();
    }

    /** Whether every member is Up and reachable; restarts the settle time when members changed. */
    private boolean stable() {
      ClusterEvent.CurrentClusterState state = cluster.state();
      Set<String> up = new HashSet<>();
      boolean settled = state.getUnreachable().isEmpty();
      for (Member m : state.getMembers()) {
        if (m.status() == MemberStatus.up()) {
          up.add(NodeAddress.of(m.address()));
        } else {
          settled = false;
        }
      }
      if (!up.equals(members) || !settled) {
        members = up;
        stableSinceNanos = System.nanoTime();
        return false;
      }
      return true;
    }
  }
}
