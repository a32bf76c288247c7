package io.tandem.node.cluster;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node becomes a cluster member: Pekko Management's HTTP server (when enabled), then Cluster
 * Bootstrap (config or Kubernetes API discovery), the configured seed nodes, or, with neither, a
 * cluster of its own.
 */
public final class ClusterStart {
  private static final Logger log = LoggerFactory.getLogger(ClusterStart.class);

  private ClusterStart() {}

  public static void start(ActorSystem<?> system, ClusterSettings settings) throws Exception {
    if (settings.management()) {
      var uri =
          PekkoManagement.get(system.classicSystem())
              .start()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      log.info("Pekko Management at {}", uri);
    }
    Cluster cluster = Cluster.get(system);
    if (settings.bootstrap() != ClusterSettings.Bootstrap.OFF) {
      log.info("joining through Cluster Bootstrap ({} discovery)", settings.bootstrap());
      ClusterBootstrap.get(system.classicSystem()).start();
    } else if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    PodDeletionCost.Settings podCost =
        PodDeletionCost.Settings.fromConfig(system.settings().config());
    if (podCost != null) {
      system.systemActorOf(PodDeletionCost.create(podCost), "pod-deletion-cost", Props.empty());
    }
  }
}
