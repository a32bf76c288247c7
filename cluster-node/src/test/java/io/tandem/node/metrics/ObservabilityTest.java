package io.tandem.node.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.NodeProcess;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Metrics, status and logs of a node in its own JVM, started by {@code Main.main} as operators run
 * it (so {@code Kamon.init} and its Prometheus endpoint run for real), with JSON logs switched on.
 * The scenario runs first: the dashboard check needs the metrics it creates, and the log check
 * reads what every test logged.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PROMETHEUS =
      Path.of(System.getProperty("tandem.prometheus", "/usr/bin/prometheus"));
  private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "tandem-node.json");

  /** Written into op values: it must never show up in a log line. */
  private static final String PAYLOAD_MARK = "payload-mark-3f9c";

  private final CassandraTestConfig cassandra;
  private NodeProcess node;
  private final List<String> tokensUsed = new ArrayList<>();

  ObservabilityTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  @BeforeAll
  void startNode() throws Exception {
    int[] free = FreePorts.pick(3);
    node =
        NodeProcess.start(
            "observability",
            cassandra,
            new NodeProcess.Ports(free[0], free[1], free[2]),
            Map.of(
                "TANDEM_METRICS_TICK_INTERVAL", "1s",
                "TANDEM_METRICS_SAMPLE_INTERVAL", "1s",
                "TANDEM_WS_MAX_FRAMES_PER_SECOND", "100000",
                "TANDEM_WS_BURST_FRAMES", "100000",
                // the flood below is 2,500 frames of 4 KiB: past the default byte bucket
                "TANDEM_WS_MAX_BYTES_PER_SECOND", "64MiB",
                "TANDEM_WS_BURST_BYTES", "64MiB",
                "TANDEM_WS_OUTBOUND_MAX_BYTES", Integer.toString(256 * 1024)),
            List.of(
                // the production logback.xml, not the tests' one, switched to JSON lines
                "-Dlogback.configurationFile="
                    + Path.of("target", "classes", "logback.xml").toAbsolutePath(),
                "-Dtandem.log.format=json"));
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.stop();
    }
  }

  private String token(String sub, String scope) {
    String t = NodeProcess.token(sub, scope);
    tokensUsed.add(t);
    return t;
  }

  @Test
  @Order(1)
  void scrapedMetricsShowExactlyWhatAScriptedScenarioDid() throws Exception {
    Scrape before = awaitScrape();
    String room = "room:obs-" + System.nanoTime();
    String writerToken = token("alice", "room:*:write");
    String viewerToken = token("bob", "room:*:read");
    int ops = 5;
    int flood = 2500;

    // a hello with a bad token: unauthorized, closed 4401
    try (WsClient bad = WsClient.connect(node.wsUrl())) {
      ObjectNode p = WsClient.payload().put("token", "not-a-token-" + PAYLOAD_MARK);
      bad.send(bad.frame("hello", null, p));
      JsonNode refused = bad.next(Duration.ofSeconds(10));
      assertEquals("unauthorized", refused.at("/payload/code").asText(), refused.toString());
      assertEquals(4401, bad.awaitClose(Duration.ofSeconds(10)));
    }

    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient viewer = WsClient.connect(node.wsUrl(), "tandem.v1.cbor");
        WsClient slow = WsClient.connect(node.wsUrl())) {
      writer.hello(writerToken);
      viewer.hello(viewerToken);
      slow.hello(writerToken);
      assertEquals("snapshot", writer.join(room, "editor").path("type").asText());
      assertEquals("snapshot", viewer.join(room, "viewer").path("type").asText());
      // a forbidden join: a read grant does not make an editor
      JsonNode forbidden = viewer.join(room + "-other", "editor");
      assertEquals("forbidden", forbidden.at("/payload/code").asText(), forbidden.toString());
      // a frame that is not JSON
      writer.sendRaw("{\"version\":1,\"type\":");
      JsonNode badFrame =
          writer.await(f -> f.path("type").asText().equals("error"), Duration.ofSeconds(10));
      assertEquals("bad_frame", badFrame.at("/payload/code").asText());
      for (int i = 0; i < ops; i++) {
        assertEquals("ok", writer.set(room, "n", PAYLOAD_MARK + i).path("type").asText());
      }

      Scrape live =
          awaitScrape(
              s ->
                  s.value("tandem_connections_open", "client", "bot", "encoding", "json") == 2
                      && s.value("tandem_connections_open", "client", "bot", "encoding", "cbor")
                          == 1
                      && s.value("tandem_sessions_active", "kind", "room") == 1
                      && s.value("tandem_entities_hosted", "type", "room") >= 1);
      assertEquals(0, live.value("tandem_connections_open", "client", "none", "encoding", "json"));
      assertTrue(live.value("tandem_shards_hosted", "type", "room") >= 1);
      assertEquals(1, live.value("tandem_cluster_members", "status", "up"));
      assertEquals(0, live.value("tandem_cluster_unreachable"));

      // a slow consumer: stops reading while the writer floods; gets resync and a snapshot
      assertEquals("snapshot", slow.join(room, "viewer").path("type").asText());
      slow.pause();
      String filler = "x".repeat(4096);
      for (int i = 1; i <= flood; i++) {
        ObjectNode p = WsClient.payload();
        p.putArray("ops").addObject().put("op", "set").put("path", "blob").put("value", i + filler);
        writer.send(writer.frame("op", room, p));
      }
      long lastSeq = ops + flood; // every change takes the next seq, from 1
      writer.await(
          f -> f.path("type").asText().equals("ok") && f.at("/payload/seq").asLong() == lastSeq,
          Duration.ofSeconds(90));
      slow.resume();
      slow.skipTo(f -> f.path("type").asText().equals("resync"), Duration.ofSeconds(60));
      assertEquals("snapshot", slow.nextNonPresence(Duration.ofSeconds(30)).path("type").asText());
    }

    Scrape after =
        awaitScrape(
            s ->
                s.sum("tandem_connections_open") == 0
                    && s.delta(before, "tandem_frames_sent_total", "type", "ok") == ops + flood);
    // kept for a look after the run
    Files.writeString(Path.of("target", "observability-scrape.txt"), after.text());
    // connections: three JSON and one CBOR opened, all closed again
    assertEquals(3, after.delta(before, "tandem_connections_opened_total", "encoding", "json"));
    assertEquals(1, after.delta(before, "tandem_connections_opened_total", "encoding", "cbor"));
    assertEquals(1, after.delta(before, "tandem_hello_failures_total", "reason", "token"));
    assertEquals(0, after.delta(before, "tandem_hello_failures_total", "reason", "timeout"));
    // frames in, by type
    assertEquals(4, after.delta(before, "tandem_frames_received_total", "type", "hello"));
    assertEquals(4, after.delta(before, "tandem_frames_received_total", "type", "join"));
    assertEquals(ops + flood, after.delta(before, "tandem_frames_received_total", "type", "op"));
    assertEquals(1, after.delta(before, "tandem_frames_received_total", "type", "invalid"));
    // frames out, by type, and errors by code
    assertEquals(3, after.delta(before, "tandem_frames_sent_total", "type", "welcome"));
    assertEquals(3, after.delta(before, "tandem_frames_sent_total", "type", "error"));
    // the slow reader falls behind at least once; if the socket's buffers took the first
    // snapshot while the flood went on, it falls behind again: each time one resync, one snapshot
    double resyncs = after.delta(before, "tandem_frames_sent_total", "type", "resync");
    assertTrue(resyncs >= 1, "the slow consumer got resync");
    assertEquals(
        3 + resyncs,
        after.delta(before, "tandem_frames_sent_total", "type", "snapshot"),
        "a snapshot per join, and one after each resync");
    assertEquals(1, after.delta(before, "tandem_errors_sent_total", "code", "unauthorized"));
    assertEquals(1, after.delta(before, "tandem_errors_sent_total", "code", "forbidden"));
    assertEquals(1, after.delta(before, "tandem_errors_sent_total", "code", "bad_frame"));
    assertEquals(0, after.delta(before, "tandem_errors_sent_total", "code", "rate_limited"));
    assertEquals(0, after.delta(before, "tandem_rate_limited_frames_total"));
    assertEquals(resyncs, after.delta(before, "tandem_resyncs_total"));
    assertTrue(after.delta(before, "tandem_outbound_dropped_frames_total") > 0);
    assertTrue(after.delta(before, "tandem_ws_received_bytes_total") > flood * 4096.0);
    assertTrue(after.delta(before, "tandem_ws_sent_bytes_total") > 0);
    // persistence: the room was created and recovered once; every change is one journaled event
    assertEquals(1, after.delta(before, "tandem_entity_recoveries_total", "kind", "room"));
    assertEquals(
        1, after.delta(before, "tandem_entity_recovery_time_seconds_count", "kind", "room"));
    assertEquals(
        1 + ops + flood,
        after.delta(before, "tandem_journal_write_events_sum", "kind", "room"),
        "the Created event and one event per change");
    double writes = after.delta(before, "tandem_journal_write_events_count", "kind", "room");
    assertTrue(writes >= 2 && writes < 1 + ops + flood, writes + " writes batched the flood");
    assertEquals(
        writes, after.delta(before, "tandem_journal_write_latency_seconds_count", "kind", "room"));
    // delivery: every delta handed to the writer's and viewer's sockets was timed
    assertTrue(after.delta(before, "tandem_delivery_latency_seconds_count") >= 2.0 * (ops + flood));
    assertTrue(after.delta(before, "tandem_outbound_queue_depth_count") > 0);
    // Kamon's own Pekko instrumentation: the groups, no per-actor series
    assertTrue(after.names().stream().anyMatch(n -> n.startsWith("pekko_group_")), "groups");
    assertFalse(after.text().contains("path=\""), "no per-actor metric tagged with its path");
    assertFalse(after.text().contains(room.substring(5)), "no session id in any label");
  }

  @Test
  @Order(2)
  void prometheusScrapesTheNodeAndAnswersItsOpenConnectionCount() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    if (!ci) {
      assumeTrue(
          Files.isExecutable(PROMETHEUS),
          PROMETHEUS + " is missing: apt-get update && apt-get install -y prometheus");
    }
    Path dir = Files.createTempDirectory(Path.of("target"), "prometheus-");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global:",
            "  scrape_interval: 1s",
            "  evaluation_interval: 1s",
            "scrape_configs:",
            "  - job_name: tandem",
            "    static_configs:",
            "      - targets: ['127.0.0.1:" + node.metricsPort() + "']",
            ""));
    int port = FreePorts.pick(1)[0];
    Process prometheus =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    String token = token("carol", "room:*:write");
    List<WsClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        WsClient c = WsClient.connect(node.wsUrl());
        clients.add(c);
        c.hello(token);
      }
      String query =
          "http://127.0.0.1:"
              + port
              + "/api/v1/query?query="
              + URLEncoder.encode(
                  "sum(tandem_connections_open{job=\"tandem\"})", StandardCharsets.UTF_8);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                JsonNode answer = JSON.readTree(get(query));
                assertEquals("success", answer.path("status").asText(), answer.toString());
                JsonNode result = answer.at("/data/result/0/value/1");
                assertEquals(3.0, Double.parseDouble(result.asText()), answer.toString());
              });
    } finally {
      clients.forEach(WsClient::close);
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
  }

  @Test
  @Order(3)
  void theDashboardQueriesOnlyMetricsTheNodeExports() throws Exception {
    JsonNode dashboard = JSON.readTree(Files.readString(DASHBOARD));
    assertTrue(dashboard.path("panels").size() > 0, "the dashboard has panels");
    List<String> exprs = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
    assertTrue(exprs.size() >= 10, "queries: " + exprs.size());
    Set<String> queried = new TreeSet<>();
    Matcher m =
        Pattern.compile("\\b((?:tandem|pekko|jvm|process)_[a-z0-9_]+)")
            .matcher(String.join("\n", exprs));
    while (m.find()) {
      queried.add(m.group(1));
    }
    Set<String> exported = awaitScrape().names();
    Set<String> missing = new TreeSet<>(queried);
    missing.removeAll(exported);
    assertTrue(missing.isEmpty(), "queried but not exported: " + missing);
    assertTrue(queried.stream().filter(n -> n.startsWith("tandem_")).count() >= 15, "" + queried);
  }

  @Test
  @Order(4)
  void statusNeedsTheAdminGrantAndListsTheNodeAndItsMembers() throws Exception {
    assertEquals(403, node.get("/v1/status").statusCode(), "room:*:write is not admin");
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/status"))
                .header("Authorization", "Bearer " + token("ops", "node:*:admin"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonNode status = JSON.readTree(r.body());
    String self = "tandem@" + node.ports().clusterAddress();
    assertEquals(self, status.path("node").asText());
    assertEquals("Up", status.path("status").asText());
    assertFalse(status.path("version").asText().isBlank());
    assertTrue(status.path("uptimeMs").asLong() > 0);
    assertEquals(1, status.path("members").size());
    JsonNode member = status.path("members").get(0);
    assertEquals(self, member.path("address").asText());
    assertEquals("Up", member.path("status").asText());
    assertTrue(member.path("reachable").asBoolean());
    assertTrue(member.path("roles").toString().contains("dc-default"), member.toString());
    assertEquals(0, status.path("connections").asInt());
    assertTrue(status.path("journal").path("healthy").asBoolean(), status.toString());
    JsonNode rooms = null;
    for (JsonNode region : status.path("shardRegions")) {
      if (region.path("type").asText().equals("room")) {
        rooms = region;
      }
    }
    assertTrue(rooms != null, status.toString());
    assertTrue(rooms.path("shards").asInt() >= 1, rooms.toString());
    assertTrue(rooms.path("entities").asInt() >= 1, rooms.toString());
    assertEquals(
        rooms.path("entities").asInt(),
        rooms.path("cluster").path(self).path("entities").asInt(),
        rooms.toString());
  }

  @Test
  @Order(5)
  void jsonLogsAreOneObjectPerLineWithTheConnectionAndNoTokenOrPayload() throws Exception {
    List<String> lines = Files.readAllLines(node.log());
    assertTrue(lines.size() > 5, "the node logged: " + lines.size());
    int opened = 0;
    int closed = 0;
    for (String line : lines) {
      JsonNode entry;
      try {
        entry = JSON.readTree(line);
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + line, e);
      }
      assertTrue(entry.isObject(), line);
      assertTrue(entry.hasNonNull("message") && entry.hasNonNull("level"), line);
      String message = entry.path("message").asText();
      if (message.startsWith("connection opened") || message.startsWith("connection closed")) {
        assertTrue(entry.path("connection").asText().length() >= 8, line);
        if (message.startsWith("connection opened")) {
          opened++;
        } else {
          closed++;
          assertTrue(entry.has("code") && entry.has("durationMs") && entry.has("framesIn"), line);
        }
      }
      for (String token : tokensUsed) {
        assertFalse(line.contains(token), "a token in the log: line " + entry.path("message"));
      }
      assertFalse(line.contains("not-a-token"), "the refused token in the log");
      assertFalse(line.contains(PAYLOAD_MARK), "payload content in the log");
    }
    // scenario: 4 connections; Prometheus test: 3
    assertEquals(7, opened, "one line per connection at open");
    assertEquals(7, closed, "one line per connection at close");
  }

  // ------------------------------------------------------------ scraping

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError(url + " answered " + r.statusCode());
    }
    return r.body();
  }

  private Scrape awaitScrape() {
    return awaitScrape(s -> true);
  }

  /** Scrapes until {@code until} holds: Kamon publishes a new snapshot every tick (1 s here). */
  private Scrape awaitScrape(java.util.function.Predicate<Scrape> until) {
    Scrape[] last = new Scrape[1];
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(300))
          .ignoreExceptions()
          .until(
              () -> {
                last[0] = Scrape.parse(get(node.metricsUrl()));
                return until.test(last[0]);
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "the scrape never matched; last one:\n"
              + (last[0] == null ? "(none)" : last[0].tandemLines()),
          e);
    }
    return last[0];
  }

  /** One scrape in the Prometheus text format: series (name and sorted labels) to values. */
  record Scrape(String text, Map<String, Double> series) {
    private static final Pattern LINE =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+).*$");
    private static final Pattern LABEL =
        Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static Scrape parse(String text) {
      Map<String, Double> series = new java.util.HashMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
          continue;
        }
        java.util.TreeMap<String, String> labels = new java.util.TreeMap<>();
        if (m.group(3) != null) {
          Matcher l = LABEL.matcher(m.group(3));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
        }
        series.merge(key(m.group(1), labels), Double.parseDouble(m.group(4)), Double::sum);
      }
      return new Scrape(text, series);
    }

    private static String key(String name, Map<String, String> labels) {
      return name + labels;
    }

    /** The value of the series with exactly these labels; 0 when absent. */
    double value(String name, String... labelPairs) {
      java.util.TreeMap<String, String> labels = new java.util.TreeMap<>();
      for (int i = 0; i < labelPairs.length; i += 2) {
        labels.put(labelPairs[i], labelPairs[i + 1]);
      }
      return series.getOrDefault(key(name, labels), 0.0);
    }

    double delta(Scrape before, String name, String... labelPairs) {
      return value(name, labelPairs) - before.value(name, labelPairs);
    }

    /** Every series of this name, whatever their labels. */
    double sum(String name) {
      double total = 0;
      for (Map.Entry<String, Double> e : series.entrySet()) {
        if (e.getKey().startsWith(name + "{")) {
          total += e.getValue();
        }
      }
      return total;
    }

    Set<String> names() {
      Set<String> names = new TreeSet<>();
      series.keySet().forEach(k -> names.add(k.substring(0, k.indexOf('{'))));
      return names;
    }

    String tandemLines() {
      StringBuilder b = new StringBuilder();
      for (String line : text.split("\n")) {
        if (line.startsWith("tandem_")) {
          b.append(line).append('\n');
        }
      }
      return b.toString();
    }
  }
}
