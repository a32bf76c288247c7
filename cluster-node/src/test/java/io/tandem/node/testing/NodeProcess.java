package io.tandem.node.testing;

import static org.awaitility.Awaitility.await;

import io.tandem.node.Main;
import io.tandem.node.auth.DevTokens;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node in a JVM of its own ({@code io.tandem.node.Main}, as operators run it) on loopback ports,
 * configured through the environment like a deployment; its output goes to {@code
 * target/node-logs/<name>.log}. Stopped with SIGTERM (coordinated shutdown) or SIGKILL.
 */
public final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The ports of one node. */
  public record Ports(int http, int cluster, int management) {
    public String clusterAddress() {
      return "127.0.0.1:" + cluster;
    }

    public String managementEndpoint() {
      return "127.0.0.1:" + management;
    }
  }

  private final String name;
  private final Ports ports;
  private final Process process;
  private final Path log;
  private final int metricsPort;

  private NodeProcess(String name, Ports ports, Process process, Path log, int metricsPort) {
    this.name = name;
    this.ports = ports;
    this.process = process;
    this.log = log;
    this.metricsPort = metricsPort;
  }

  /**
   * Starts a node without waiting for it; {@code env} adds to (or overrides) the defaults: the
   * Cassandra of the test, the test secret, dev mode off.
   */
  public static NodeProcess launch(
      String name, CassandraTestConfig cassandra, Ports ports, Map<String, String> env)
      throws Exception {
    return launch(name, cassandra, ports, env, List.of());
  }

  /**
   * Starts a node without waiting for it, with extra JVM options ({@code -D...}). The Prometheus
   * endpoint gets a free port unless {@code env} names one ({@code TANDEM_METRICS_PORT}).
   */
  public static NodeProcess launch(
      String name,
      CassandraTestConfig cassandra,
      Ports ports,
      Map<String, String> env,
      List<String> jvmOptions)
      throws Exception {
    Path log = Files.createDirectories(Path.of("target", "node-logs")).resolve(name + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command);
    int metricsPort =
        env.containsKey("TANDEM_METRICS_PORT")
            ? Integer.parseInt(env.get("TANDEM_METRICS_PORT"))
            : FreePorts.pick(1)[0];
    Map<String, String> e = pb.environment();
    e.put("TANDEM_HTTP_PORT", Integer.toString(ports.http()));
    e.put("TANDEM_CLUSTER_PORT", Integer.toString(ports.cluster()));
    e.put("TANDEM_MANAGEMENT_PORT", Integer.toString(ports.management()));
    e.put("TANDEM_CASSANDRA_CONTACT_POINTS", cassandra.contactPoint());
    e.put("TANDEM_CASSANDRA_KEYSPACE", cassandra.keyspace());
    e.put("TANDEM_AUTH_HS256_SECRET", TestNode.SECRET);
    e.put("TANDEM_DEV_MODE", "false");
    e.put("TANDEM_METRICS_PORT", Integer.toString(metricsPort));
    e.putAll(env);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new NodeProcess(name, ports, pb.start(), log, metricsPort);
  }

  /** Starts a node and waits until it is ready (a cluster member, its journal reachable). */
  public static NodeProcess start(
      String name, CassandraTestConfig cassandra, Ports ports, Map<String, String> env)
      throws Exception {
    NodeProcess node = launch(name, cassandra, ports, env);
    node.awaitReady(Duration.ofSeconds(120));
    return node;
  }

  /** Starts a node with extra JVM options and waits until it is ready. */
  public static NodeProcess start(
      String name,
      CassandraTestConfig cassandra,
      Ports ports,
      Map<String, String> env,
      List<String> jvmOptions)
      throws Exception {
    NodeProcess node = launch(name, cassandra, ports, env, jvmOptions);
    node.awaitReady(Duration.ofSeconds(120));
    return node;
  }

  public static NodeProcess start(String name, CassandraTestConfig cassandra, Ports ports)
      throws Exception {
    return start(name, cassandra, ports, new HashMap<>());
  }

  public void awaitReady(Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(name + " exited, see " + log.toAbsolutePath());
              }
              return ready();
            });
  }

  /** Whether {@code /readyz} answers 200. */
  public boolean ready() {
    try {
      return get("/readyz").statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /** A GET on the node's main HTTP port. */
  public HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(httpUrl() + path))
            .timeout(Duration.ofSeconds(5))
            .header("Authorization", "Bearer " + token("ops", "room:*:write"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A GET on the node's Pekko Management port. */
  public HttpResponse<String> management(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://" + ports.managementEndpoint() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The node's Prometheus endpoint. */
  public String metricsUrl() {
    return "http://127.0.0.1:" + metricsPort + "/metrics";
  }

  public int metricsPort() {
    return metricsPort;
  }

  public String name() {
    return name;
  }

  public Ports ports() {
    return ports;
  }

  /** The exit code of a process that has ended. */
  public int exitValue() {
    return process.exitValue();
  }

  /** The node's process id (for jcmd). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String wsUrl() {
    return "ws://127.0.0.1:" + ports.http() + "/v1/ws";
  }

  public String httpUrl() {
    return "http://127.0.0.1:" + ports.http();
  }

  public Path log() {
    return log;
  }

  public static String token(String sub, String scope) {
    return token(sub, scope, Duration.ofMinutes(30));
  }

  /** A token valid for {@code ttl} (a connection is closed with 4401 when its token expires). */
  public static String token(String sub, String scope, Duration ttl) {
    return new DevTokens(TestNode.SECRET).mint(sub, scope, ttl, Instant.now());
  }

  /** SIGKILL: no shutdown hook, no coordinated shutdown. */
  public void kill() throws Exception {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived SIGKILL for 30 s");
    }
  }

  /** Sends a signal by name ({@code STOP} freezes the JVM, {@code CONT} lets it run again). */
  public void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + pid() + " failed");
    }
  }

  /** Sends SIGTERM (coordinated shutdown) without waiting. */
  public void terminate() {
    process.destroy();
  }

  /** SIGTERM, then waits for the exit. */
  public void stop() throws Exception {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(name + " did not stop on SIGTERM within 60 s");
    }
  }

  public boolean awaitExit(Duration atMost) throws InterruptedException {
    return process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
