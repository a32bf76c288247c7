package io.tandem.node.cluster;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * How a node finds and serves its cluster, read once from {@code tandem.cluster}.
 *
 * @param bootstrap how the node joins: {@code OFF} joins the configured seed nodes (or itself when
 *     there are none), {@code CONFIG} and {@code KUBERNETES} run Pekko Cluster Bootstrap with
 *     config or Kubernetes API discovery
 * @param management whether this node serves Pekko Management's HTTP routes (health checks, cluster
 *     membership and shards, bootstrap's contact points); bootstrap needs it
 * @param rejoinAttempts how often a hub retries joining a connection again after the session's
 *     entity stopped (each try waits for the ask timeout)
 * @param joinResendInterval how often a room's unanswered join is sent again within a try (zero:
 *     never)
 * @param warmUp how long a starting node may spend warming its session entities before its shard
 *     regions register (zero: no warm-up)
 * @param handOffBeforeDrain how long a node that shuts down waits for its shards to move before it
 *     closes its WebSockets (zero: close them first)
 */
public record ClusterSettings(
    Bootstrap bootstrap,
    boolean management,
    int rejoinAttempts,
    Duration joinResendInterval,
    Duration warmUp,
    Duration handOffBeforeDrain) {

  /** The longest {@code warm-up} and {@code hand-off-before-drain} accepted. */
  static final Duration MAX_BOUND = Duration.ofMinutes(1);

  /** How a node joins the cluster. */
  public enum Bootstrap {
    OFF,
    CONFIG,
    KUBERNETES
  }

  public static ClusterSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.cluster");
    String mode = c.getString("bootstrap").trim().toUpperCase(Locale.ROOT);
    Bootstrap bootstrap =
        switch (mode) {
          case "", "OFF", "FALSE", "NONE" -> Bootstrap.OFF;
          case "CONFIG" -> Bootstrap.CONFIG;
          case "KUBERNETES", "KUBERNETES-API" -> Bootstrap.KUBERNETES;
          default ->
              throw new IllegalArgumentException(
                  "tandem.cluster.bootstrap must be off, config or kubernetes, not " + mode);
        };
    return new ClusterSettings(
        bootstrap,
        c.getBoolean("management") || bootstrap != Bootstrap.OFF,
        c.getInt("rejoin-attempts"),
        c.getDuration("join-resend-interval"),
        bound(c, "warm-up"),
        bound(c, "hand-off-before-drain"));
  }

  private static Duration bound(Config c, String path) {
    Duration d = c.getDuration(path);
    if (d.isNegative() || d.compareTo(MAX_BOUND) > 0) {
      throw new IllegalArgumentException(
          "tandem.cluster."
              + path
              + " must be between 0s and "
              + MAX_BOUND.toSeconds()
              + "s, not "
              + d);
    }
    return d;
  }
}
