package io.tandem.node.testing;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.Main;
import io.tandem.node.NodeSettings;
import io.tandem.node.auth.DevTokens;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A real node in this JVM, wired by {@link Main#init} exactly as in production, on free ports and
 * against the test run's Cassandra (one keyspace per test class).
 */
public final class TestNode implements AutoCloseable {
  public static final String SECRET = "tandem-test-secret-0123456789-abcdefghijklmnop";

  private final ActorSystem<Void> system;
  private final Main.Node node;
  private final DevTokens tokens = new DevTokens(SECRET);

  private TestNode(ActorSystem<Void> system, Main.Node node) {
    this.system = system;
    this.node = node;
  }

  /** Starts a node; {@code overrides} is HOCON layered over the defaults (limits, timeouts). */
  public static TestNode start(CassandraTestConfig cassandra, String overrides) throws Exception {
    Config config =
        ConfigFactory.parseString(overrides)
            .withFallback(
                ConfigFactory.parseString(
                    String.join(
                        "\n",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.cluster.seed-nodes = []",
                        "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                        "pekko.coordinated-shutdown.exit-jvm = off",
                        // every message between actors goes through its serializer, as across nodes
                        "pekko.actor.serialize-messages = on",
                        "tandem.cluster.management = off",
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                        "tandem.http.port = 0",
                        "tandem.auth.hs256-secret = \"" + SECRET + "\"")))
            .withFallback(cassandra.pekkoConfig())
            .withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "tandem", config);
    Main.Node node = Main.init(system, NodeSettings.fromConfig(config), Clock.systemUTC());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Cluster.get(system).selfMember().status().equals(MemberStatus.up()));
    return new TestNode(system, node);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** How many members of its cluster this node sees Up. */
  public long upMembers() {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(m -> m.status().equals(MemberStatus.up()))
        .count();
  }

  public Main.Node node() {
    return node;
  }

  public String wsUrl() {
    return "ws://127.0.0.1:" + node.port() + "/v1/ws";
  }

  public String httpUrl() {
    return "http://127.0.0.1:" + node.port();
  }

  /** A token signed with the node's secret. */
  public String token(String sub, String scope) {
    return tokens.mint(sub, scope, Duration.ofHours(1), Instant.now());
  }

  public String token(String sub, String scope, Duration ttl, Instant issuedAt) {
    return tokens.mint(sub, scope, ttl, issuedAt);
  }

  @Override
  public void close() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
