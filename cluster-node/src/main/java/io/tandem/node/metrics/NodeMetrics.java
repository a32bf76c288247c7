package io.tandem.node.metrics;

import io.tandem.node.cluster.ShardRegions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Samples what is not counted as it happens: cluster members by status (as this node sees them),
 * unreachable members, and the shards and entities this node hosts per entity type. Runs on the
 * actor system's scheduler every {@code tandem.metrics.sample-interval}; the shard query is an ask,
 * so a sample blocks nothing.
 */
public final class NodeMetrics {
  private static final MemberStatus[] STATUSES = {
    MemberStatus.joining(),
    MemberStatus.weaklyUp(),
    MemberStatus.up(),
    MemberStatus.leaving(),
    MemberStatus.exiting(),
    MemberStatus.down(),
    MemberStatus.removed()
  };

  private NodeMetrics() {}

  /** Starts sampling; the returned handle stops it. */
  public static Cancellable start(ActorSystem<?> system, ShardRegions regions, Duration interval) {
    return system
        .scheduler()
        .scheduleAtFixedRate(
            Duration.ZERO,
            interval,
            () -> sample(system, regions, interval),
            system.executionContext());
  }

  private static void sample(ActorSystem<?> system, ShardRegions regions, Duration timeout) {
    ClusterEvent.CurrentClusterState state =
        org.apache.pekko.cluster.Cluster.get(system.classicSystem()).state();
    Map<String, Integer> counts = new TreeMap<>();
    for (MemberStatus s : STATUSES) {
      counts.put(statusName(s), 0);
    }
    for (Member m : state.getMembers()) {
      counts.merge(statusName(m.status()), 1, Integer::sum);
    }
    counts.forEach(TandemMetrics::members);
    TandemMetrics.unreachable(state.getUnreachable().size());
    regions
        .local(timeout)
        .thenAccept(
            hosted ->
                hosted.forEach(h -> TandemMetrics.hosted(h.type(), h.shards(), h.entities())));
  }

  /** {@code Up} gives {@code up}, {@code WeaklyUp} gives {@code weakly_up}. */
  public static String statusName(MemberStatus status) {
    return status.toString().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
