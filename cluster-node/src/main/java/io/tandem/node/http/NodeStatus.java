package io.tandem.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.JournalReadiness;
import io.tandem.node.cluster.NodeAddress;
import io.tandem.node.cluster.ShardRegions;
import io.tandem.node.fanout.FanoutStats;
import io.tandem.protocol.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /v1/status} (protocol 9): this node and its cluster, for operators. */
final class NodeStatus extends JsonRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final HttpSettings settings;
  private final ShardRegions regions;
  private final JournalReadiness journal;
  private final IntSupplier connections;

  /** {@code tandem.node-name} when set: shown as the status's {@code name}. */
  private final Optional<String> nodeName;

  NodeStatus(
      ActorSystem<?> system,
      HttpSettings settings,
      TokenVerifier verifier,
      ShardRegions regions,
      JournalReadiness journal,
      IntSupplier connections,
      Optional<String> nodeName) {
    super(system, verifier);
    this.system = system;
    this.settings = settings;
    this.regions = regions;
    this.journal = journal;
    this.connections = connections;
    this.nodeName = nodeName;
  }

  Route route() {
    return path(segment("v1").slash("status"), () -> get(() -> authenticated(this::status)));
  }

  /**
   * This node and its cluster, for operators ({@code node:*:admin}): its address, version and
   * uptime, the members with status and roles, the shard regions with their shard and entity counts
   * (here and per member), open connections, the journal's health, and what its entities fanned
   * out. The shard and journal questions are asks with the ask timeout; a part that does not answer
   * in time is reported as such, the rest still answers.
   */
  private Route status(Principal principal) {
    if (!principal.grants().isAdmin()) {
      return error(ErrorCode.FORBIDDEN, "needs the node:*:admin grant");
    }
    Duration timeout = settings.askTimeout();
    CompletableFuture<List<ShardRegions.Hosted>> local =
        regions.local(timeout).toCompletableFuture().exceptionally(e -> null);
    CompletableFuture<List<ShardRegions.ClusterWide>> clusterWide =
        regions.cluster(timeout).toCompletableFuture().exceptionally(e -> null);
    long journalStart = System.nanoTime();
    CompletableFuture<Boolean> journalUp =
        journal
            .get()
            .toCompletableFuture()
            .completeOnTimeout(false, timeout.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(e -> false);
    CompletableFuture<Long> journalMs =
        journalUp.thenApply(ok -> (System.nanoTime() - journalStart) / 1_000_000);
    CompletableFuture<Void> all = CompletableFuture.allOf(local, clusterWide, journalMs);
    return onSuccess(
        all,
        x ->
            json(
                StatusCodes.OK,
                statusBody(local.join(), clusterWide.join(), journalUp.join(), journalMs.join())));
  }

  private ObjectNode statusBody(
      List<ShardRegions.Hosted> local,
      List<ShardRegions.ClusterWide> clusterWide,
      boolean journalUp,
      long journalMs) {
    org.apache.pekko.cluster.Cluster cluster =
        org.apache.pekko.cluster.Cluster.get(system.classicSystem());
    ObjectNode body = JSON.createObjectNode();
    body.put("node", NodeAddress.of(cluster.selfAddress()));
    nodeName.ifPresent(n -> body.put("name", n));
    body.put("version", version());
    body.put("uptimeMs", system.uptime() * 1000);
    body.put("status", cluster.selfMember().status().toString());
    ArrayNode members = body.putArray("members");
    java.util.Set<org.apache.pekko.cluster.Member> unreachable = cluster.state().getUnreachable();
    cluster
        .state()
        .getMembers()
        .forEach(
            m -> {
              ObjectNode row = members.addObject();
              row.put("address", NodeAddress.of(m.address()));
              row.put("status", m.status().toString());
              row.put("reachable", !unreachable.contains(m));
              ArrayNode roles = row.putArray("roles");
              m.getRoles().forEach(roles::add);
            });
    body.put("unreachable", unreachable.size());
    if (cluster.state().getLeader() != null) {
      body.put("leader", NodeAddress.of(cluster.state().getLeader()));
    }
    body.put("connections", connections.getAsInt());
    ArrayNode shardRegions = body.putArray("shardRegions");
    if (local == null || clusterWide == null) {
      body.put("shardRegionsError", "the shard regions did not answer in time");
    } else {
      for (ShardRegions.Hosted h : local) {
        ObjectNode row = shardRegions.addObject();
        row.put("type", h.type());
        row.put("shards", h.shards());
        row.put("entities", h.entities());
        ObjectNode byNode = row.putObject("cluster");
        clusterWide.stream()
            .filter(c -> c.type().equals(h.type()))
            .findFirst()
            .ifPresent(
                c -> {
                  c.byNode()
                      .forEach(
                          (address, counts) ->
                              byNode
                                  .putObject(address)
                                  .put("shards", counts[0])
                                  .put("entities", counts[1]));
                  if (!c.failed().isEmpty() || c.error() != null) {
                    row.put("clusterIncomplete", true);
                  }
                });
      }
    }
    body.putObject("journal").put("healthy", journalUp).put("checkMs", journalMs);
    FanoutStats fanout = FanoutStats.get(system);
    body.putObject("fanout")
        .put("changes", fanout.changes())
        .put("hubMessages", fanout.hubMessages());
    return body;
  }

  /** The node's version: the jar's Implementation-Version, "dev" when run from classes. */
  static String version() {
    String v = NodeStatus.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
