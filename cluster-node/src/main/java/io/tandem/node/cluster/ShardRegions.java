package io.tandem.node.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What the shard regions of this node's entity types hold: on this node ({@code
 * GetShardRegionState}) and across the cluster ({@code GetClusterShardingStats}). For status and
 * the sampled metrics; every query is an ask with a timeout, never a blocking call.
 */
public final class ShardRegions {
  private final ActorSystem<?> system;
  private final List<EntityTypeKey<?>> types;

  /** Shards and entities of one entity type on this node. */
  public record Hosted(String type, int shards, int entities) {}

  /** Shards and entities of one entity type per member address; {@code failed}: no answer. */
  public record ClusterWide(
      String type, Map<String, int[]> byNode, List<String> failed, String error) {}

  public ShardRegions(ActorSystem<?> system, List<EntityTypeKey<?>> types) {
    this.system = system;
    this.types = List.copyOf(types);
  }

  /** Every entity type's shards and entities on this node. */
  public CompletionStage<List<Hosted>> local(Duration timeout) {
    List<CompletableFuture<Hosted>> asks = new ArrayList<>();
    for (EntityTypeKey<?> type : types) {
      CompletionStage<ShardRegion.CurrentShardRegionState> answer =
          AskPattern.ask(
              ClusterSharding.get(system).shardState(),
              replyTo -> new GetShardRegionState(type, replyTo),
              timeout,
              system.scheduler());
      asks.add(
          answer
              .thenApply(
                  state -> {
                    int entities = 0;
                    for (ShardRegion.ShardState shard : state.getShards()) {
                      entities += shard.getEntityIds().size();
                    }
                    return new Hosted(type.name(), state.getShards().size(), entities);
                  })
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            x -> {
              List<Hosted> out = new ArrayList<>();
              asks.forEach(a -> out.add(a.join()));
              return out;
            });
  }

  /**
   * The ids of the entities running on this node, per entity type name: what a listing may ask for
   * live figures without starting anything.
   */
  public CompletionStage<Map<String, java.util.Set<String>>> localEntityIds(Duration timeout) {
    Map<String, java.util.Set<String>> out = new java.util.concurrent.ConcurrentHashMap<>();
    List<CompletableFuture<?>> asks = new ArrayList<>();
    for (EntityTypeKey<?> type : types) {
      CompletionStage<ShardRegion.CurrentShardRegionState> answer =
          AskPattern.ask(
              ClusterSharding.get(system).shardState(),
              replyTo -> new GetShardRegionState(type, replyTo),
              timeout,
              system.scheduler());
      asks.add(
          answer
              .thenAccept(
                  state -> {
                    java.util.Set<String> ids = new java.util.HashSet<>();
                    for (ShardRegion.ShardState shard : state.getShards()) {
                      ids.addAll(shard.getEntityIds());
                    }
                    out.put(type.name(), ids);
                  })
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(x -> out);
  }

  /** Every entity type's shards and entities per member, as the cluster's regions answer. */
  public CompletionStage<List<ClusterWide>> cluster(Duration timeout) {
    List<CompletableFuture<ClusterWide>> asks = new ArrayList<>();
    for (EntityTypeKey<?> type : types) {
      CompletionStage<ShardRegion.ClusterShardingStats> answer =
          AskPattern.ask(
              ClusterSharding.get(system).shardState(),
              replyTo -> new GetClusterShardingStats(type, timeout, replyTo),
              timeout.plus(timeout),
              system.scheduler());
      asks.add(
          answer
              .thenApply(
                  stats -> {
                    Map<String, int[]> byNode = new TreeMap<>();
                    stats
                        .getRegions()
                        .forEach(
                            (address, region) -> {
                              int entities = 0;
                              for (Object n : region.getStats().values()) {
                                entities += ((Number) n).intValue();
                              }
                              byNode.put(
                                  NodeAddress.of(address),
                                  new int[] {region.getStats().size(), entities});
                            });
                    List<String> failed = new ArrayList<>();
                    stats.getRegions().values().forEach(r -> failed.addAll(r.getFailed()));
                    return new ClusterWide(type.name(), byNode, failed, null);
                  })
              .exceptionally(
                  e -> new ClusterWide(type.name(), Map.of(), List.of(), String.valueOf(e)))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .thenApply(
            x -> {
              List<ClusterWide> out = new ArrayList<>();
              asks.forEach(a -> out.add(a.join()));
              return out;
            });
  }
}
