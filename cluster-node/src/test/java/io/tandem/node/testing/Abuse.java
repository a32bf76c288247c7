package io.tandem.node.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Hostile clients against one node, seeded (issue 18): the abuse suite ({@code AbuseSuiteTest})
 * runs it for a bounded time, the longer run in bench/ ({@code AbuseBench}) for a million frames.
 *
 * <p>A target room is set up first ({@link #setUp}): an owner gives it a document and an object,
 * the <em>insiders</em> (hostile editors of that very room) join it, then a <em>watcher</em> joins
 * as a viewer and its snapshot is kept. Then {@link #run} lets hostile clients loose until a frame
 * budget or a deadline: insiders send only frames the protocol refuses ({@link
 * HostileFrames#invalid}); other clients, whose tokens grant no right on the target room or who
 * never say hello, send anything ({@link HostileFrames#any}), floods, WebSocket-level garbage, half
 * frames, frames past the close size, or nothing at all; and HTTP requests with hostile headers,
 * ranges and ids. {@link #verify} then checks that nothing of it changed the room or reached its
 * members.
 *
 * <p>Why this file is over 500 lines: the set-up, the hostile clients of each kind and the
 * verification share one seeded random source and the target room's identities, so that a seed
 * replays a whole run; the frames themselves come from {@link HostileFrames}.
 */
public final class Abuse {
  /** What the run is given. */
  public record Options(
      long seed,
      long frameBudget,
      Duration deadline,
      int workers,
      int insiders,
      int maxFrameBytes,
      int closeFrameBytes,
      double hugeShare) {}

  private final String wsUrl;
  private final String httpUrl;
  private final BiFunction<String, String, String> tokens;
  private final Options options;
  private final String room;
  private final String host;
  private final int port;

  /** Figures of a run. */
  public final LongAdder framesTried = new LongAdder();

  public final LongAdder connections = new LongAdder();
  public final LongAdder httpRequests = new LongAdder();
  public final LongAdder clientErrors = new LongAdder();
  public final Map<Integer, LongAdder> closes = new ConcurrentHashMap<>();
  public final Map<Integer, LongAdder> httpStatuses = new ConcurrentHashMap<>();
  public final Map<String, LongAdder> defects = new ConcurrentHashMap<>();

  /** Replies {@code ok} or {@code delta} that insiders got for their hostile frames: must be 0. */
  public final List<String> accepted = Collections.synchronizedList(new ArrayList<>());

  /** HTTP answers 500, 502 or above 503 (501 but to an unknown method): must be empty. */
  public final List<String> httpFailures = Collections.synchronizedList(new ArrayList<>());

  /**
   * Connections the node should have closed and did not (no hello; WebSocket-level garbage; a
   * message past the close size): must be empty.
   */
  public final List<String> notClosed = Collections.synchronizedList(new ArrayList<>());

  /** Set by {@link #verify}: how far the room's seq moved, whether its state changed. */
  public volatile long seqChange = -1;

  public volatile boolean stateChanged = true;

  private final List<RawWs> insiderSockets = new ArrayList<>();
  private final List<String> insiderPrincipals = new ArrayList<>();
  private WsClient owner;
  private WsClient watcher;
  private JsonNode before;
  private ScheduledExecutorService keepAlive;

  /**
   * How often the long-lived clients (owner, watcher, insiders) ping: well within the node's
   * heartbeat rule (protocol section 3: no frame for three heartbeats of 15 s closes with 1001), so
   * that a long run measures the abuse, not idle timeouts.
   */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(5);

  /**
   * @param tokens mints a token for a subject and a scope
   */
  public Abuse(
      String wsUrl, String httpUrl, BiFunction<String, String, String> tokens, Options options) {
    this.wsUrl = wsUrl;
    this.httpUrl = httpUrl;
    this.tokens = tokens;
    this.options = options;
    this.room =
        "room:abuse-"
            + Long.toHexString(options.seed() & 0xffffffL)
            + "-"
            + System.nanoTime() % 100000;
    URI uri = URI.create(httpUrl);
    this.host = uri.getHost();
    this.port = uri.getPort();
  }

  public String room() {
    return room;
  }

  /** The owner's state, the insiders joined, then the watcher; its snapshot is kept. */
  public void setUp() throws Exception {
    owner = WsClient.connect(wsUrl, "tandem.v1.json");
    owner.hello(tokens.apply("abuse-owner", room + ":write"));
    owner.join(room, "editor");
    assertEquals("ok", owner.set(room, "title", "before the abuse").path("type").asText());
    assertEquals("ok", owner.set(room, "layout.panels", List.of(1, 2, 3)).path("type").asText());
    for (int i = 0; i < options.insiders(); i++) {
      String principal = "abuse-insider-" + i;
      RawWs ws = RawWs.connect(wsUrl, Map.of("Sec-WebSocket-Protocol", "tandem.v1.json"));
      assertEquals(101, ws.status());
      ws.text(
          "{\"version\":1,\"type\":\"hello\",\"ref\":1,\"payload\":{\"token\":\""
              + tokens.apply(principal, room + ":write")
              + "\"}}");
      ws.text(
          "{\"version\":1,\"type\":\"join\",\"ref\":2,\"session\":\""
              + room
              + "\",\"payload\":{\"role\":\"editor\"}}");
      ws.flush();
      awaitText(ws, "\"type\":\"welcome\"");
      awaitText(ws, "\"type\":\"snapshot\"");
      insiderSockets.add(ws);
      insiderPrincipals.add(principal);
    }
    watcher = WsClient.connect(wsUrl, "tandem.v1.json");
    watcher.hello(tokens.apply("abuse-watcher", room + ":read"));
    JsonNode snapshot = watcher.join(room, "viewer");
    assertEquals("snapshot", snapshot.path("type").asText(), "the watcher's join: " + snapshot);
    before = snapshot.path("payload");
    // the watcher's own join comes back as a presence at the next tick (with whatever insiders'
    // joins the same tick carries): taken before the run
    watcher.await(
        f -> {
          if (!"presence".equals(f.path("type").asText())) {
            return false;
          }
          Iterator<String> ids = f.path("payload").path("members").fieldNames();
          while (ids.hasNext()) {
            if (ids.next().startsWith("abuse-watcher/")) {
              return true;
            }
          }
          return false;
        },
        Duration.ofSeconds(10));
    watcher.drain();
    startKeepAlive();
  }

  /**
   * One task per long-lived client, each on a thread of its own (a ping stuck behind an insider's
   * blocked write delays no other client): owner and watcher ping every {@link #KEEP_ALIVE}, an
   * insider too (its hostile frames count as traffic, but it may be quiet before and after the
   * run). A pong is neither ok nor delta, so it is never taken for an accepted hostile frame.
   */
  private void startKeepAlive() {
    List<Runnable> pings = new ArrayList<>();
    pings.add(() -> pingQuietly(owner));
    pings.add(() -> pingQuietly(watcher));
    for (RawWs ws : insiderSockets) {
      AtomicLong t = new AtomicLong();
      pings.add(
          () -> {
            if (ws.isClosed()) {
              return;
            }
            try {
              long n = t.incrementAndGet();
              ws.text(
                  "{\"version\":1,\"type\":\"ping\",\"ref\":"
                      + (1_000_000_000L + n)
                      + ",\"payload\":{\"t\":"
                      + n
                      + "}}");
              ws.flush();
            } catch (java.io.IOException closed) {
              // closed by the node or by closeInsiders: nothing to keep alive
            }
          });
    }
    keepAlive =
        Executors.newScheduledThreadPool(
            pings.size(),
            r -> {
              Thread th = new Thread(r, "abuse-keep-alive");
              th.setDaemon(true);
              return th;
            });
    for (Runnable ping : pings) {
      keepAlive.scheduleWithFixedDelay(
          ping, KEEP_ALIVE.toMillis(), KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static void pingQuietly(WsClient client) {
    if (client.isClosed()) {
      return;
    }
    try {
      client.ping();
    } catch (RuntimeException closed) {
      // the node closed it: verify reports that
    }
  }

  private static boolean isPong(JsonNode f) {
    return "pong".equals(f.path("type").asText());
  }

  private static void awaitText(RawWs ws, String wanted) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < until) {
      String m = ws.pollText(Duration.ofMillis(200));
      if (m != null && m.contains(wanted)) {
        return;
      }
    }
    throw new AssertionError("no " + wanted + " within 15 s");
  }

  /** Runs the hostile clients until the frame budget or the deadline. */
  public void run() throws Exception {
    long until = System.nanoTime() + options.deadline().toNanos();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            options.workers(),
            r -> {
              // daemon: a worker stuck in a blocking write never keeps the JVM alive
              Thread th = new Thread(r, "abuse-worker");
              th.setDaemon(true);
              return th;
            });
    try {
      runOn(pool, until);
    } finally {
      pool.shutdownNow();
    }
  }

  private void runOn(ExecutorService pool, long until) throws Exception {
    List<Future<?>> running = new ArrayList<>();
    List<RawWs> held = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < insiderSockets.size(); i++) {
      RawWs ws = insiderSockets.get(i);
      long seed = options.seed() * 31 + i;
      running.add(
          pool.submit(
              () -> {
                insider(
                    ws,
                    new HostileFrames(seed, room, options.maxFrameBytes(), options.hugeShare()),
                    until);
                // closed by the node (or the budget is spent): on as a client without rights on the
                // room
                outsider(seed + 1, until, held);
                return null;
              }));
    }
    for (int w = insiderSockets.size(); w < options.workers(); w++) {
      long seed = options.seed() * 31 + w;
      running.add(
          pool.submit(
              () -> {
                outsider(seed, until, held);
                return null;
              }));
    }
    long waitUntil = until + Duration.ofSeconds(120).toNanos();
    for (Future<?> f : running) {
      f.get(Math.max(1, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    // connections that never said hello (silent, or half a frame): the hello timeout closes them
    long closeBy = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    synchronized (held) {
      for (RawWs ws : held) {
        try {
          long left = Math.max(1, closeBy - System.nanoTime());
          Awaitility.await().atMost(Duration.ofNanos(left)).until(ws::isClosed);
        } catch (ConditionTimeoutException stillOpen) {
          // reported below
        }
        if (!ws.isClosed()) {
          notClosed.add("a connection without hello was still open 30 s after the run");
        } else {
          count(closes, ws.awaitClose(Duration.ZERO.plusMillis(1)));
        }
        ws.close();
      }
    }
  }

  private boolean more(long until) {
    return framesTried.sum() < options.frameBudget() && System.nanoTime() < until;
  }

  /** A joined editor sending only refused frames; it checks every reply. */
  private void insider(RawWs ws, HostileFrames frames, long until) throws Exception {
    try {
      int sent = 0;
      while (more(until) && !ws.isClosed()) {
        HostileFrames.Frame f = frames.invalid();
        count(defects, f.defect());
        if (f.kind() == HostileFrames.Kind.TEXT) {
          ws.frame(0x1, f.bytes(), true);
        } else {
          ws.frame(0x2, f.bytes(), true);
        }
        framesTried.increment();
        if (++sent % 16 == 0) {
          ws.flush();
          checkReplies(ws);
        }
      }
      ws.flush();
    } catch (java.io.IOException closedByTheNode) {
      // the node closed it (1008, 1009, 4429, ...): fine, counted below
    }
    checkReplies(ws);
    if (ws.isClosed()) {
      count(closes, ws.awaitClose(Duration.ZERO.plusMillis(1)));
    }
  }

  private void checkReplies(RawWs ws) throws InterruptedException {
    for (String m; (m = ws.pollText(Duration.ZERO)) != null; ) {
      if (m.contains("\"type\":\"ok\"") || m.contains("\"type\":\"delta\"")) {
        accepted.add(m.length() > 300 ? m.substring(0, 300) : m);
      }
    }
  }

  /** One worker: hostile connections and requests one after another, each chosen by the seed. */
  private void outsider(long seed, long until, List<RawWs> held) {
    HostileFrames frames =
        new HostileFrames(seed, room, options.maxFrameBytes(), options.hugeShare());
    Random random = frames.random();
    int n = 0;
    while (more(until)) {
      int behaviour = random.nextInt(20);
      String principal = "abuse-outsider-" + (seed % 7) + "-" + (n++ % 5);
      try {
        if (behaviour < 3) {
          http(random);
        } else if (behaviour == 3 && held.size() < 12) {
          // never says hello: silent, or half a frame and then nothing
          RawWs ws = RawWs.connect(wsUrl);
          connections.increment();
          if (ws.status() == 101) {
            if (random.nextBoolean()) {
              ws.raw(frames.halfFrame());
              ws.flush();
              framesTried.increment();
            }
            held.add(ws);
          } else {
            ws.close();
          }
        } else if (behaviour == 4) {
          // WebSocket-level garbage after a hello
          try (RawWs ws = open(principal, true)) {
            HostileFrames.Frame garbage = frames.protocolGarbage();
            count(defects, garbage.defect());
            ws.raw(garbage.bytes());
            ws.flush();
            framesTried.increment();
            closedWithin(ws, garbage.defect());
          }
        } else if (behaviour == 5) {
          // a frame past the close size: 1009 while it still arrives
          try (RawWs ws = open(principal, random.nextBoolean())) {
            byte[] chunk = new byte[64 * 1024];
            ws.frame(0x2, chunk, false);
            for (long sent = chunk.length;
                sent <= options.closeFrameBytes() && !ws.isClosed();
                sent += chunk.length) {
              ws.frame(0x0, chunk, false);
            }
            ws.frame(0x0, chunk, true);
            ws.flush();
            framesTried.increment();
            count(defects, "ws:past-close-size");
            closedWithin(ws, "a message past the close size");
          }
        } else {
          // frames of any kind, before or after hello, in bursts or as a flood
          boolean hello = behaviour % 2 == 0;
          boolean flood = behaviour >= 17;
          try (RawWs ws = open(principal, hello)) {
            int count = flood ? 2000 : 1 + random.nextInt(60);
            for (int i = 0; i < count && !ws.isClosed() && more(until); i++) {
              HostileFrames.Frame f = frames.any();
              count(defects, f.defect());
              ws.frame(f.kind() == HostileFrames.Kind.TEXT ? 0x1 : 0x2, f.bytes(), true);
              framesTried.increment();
              if (!flood || i % 32 == 0) {
                ws.flush();
              }
            }
            ws.flush();
            if (ws.isClosed()) {
              count(closes, ws.awaitClose(Duration.ZERO.plusMillis(1)));
            }
          } catch (java.io.IOException closedMeanwhile) {
            // the node closed the socket under the flood
          }
        }
      } catch (Exception e) {
        clientErrors.increment();
      }
    }
  }

  /** Counts the close code; a socket the node leaves open for 15 s is a finding. */
  private void closedWithin(RawWs ws, String after) {
    try {
      count(closes, ws.awaitClose(Duration.ofSeconds(15)));
    } catch (AssertionError stillOpen) {
      notClosed.add("no close within 15 s after " + after);
    }
  }

  private RawWs open(String principal, boolean hello) throws Exception {
    RawWs ws = RawWs.connect(wsUrl, Map.of("Sec-WebSocket-Protocol", "tandem.v1.json"));
    connections.increment();
    if (ws.status() != 101) {
      throw new java.io.IOException("upgrade refused: " + ws.status());
    }
    if (hello) {
      // its token grants nothing on the target room
      ws.text(
          "{\"version\":1,\"type\":\"hello\",\"ref\":1,\"payload\":{\"token\":\""
              + tokens.apply(principal, "room:abuse-elsewhere-*:write")
              + "\"}}");
      ws.flush();
    }
    return ws;
  }

  private static final List<String> PATHS =
      List.of(
          "/v1/sessions/%s",
          "/v1/sessions/%s/export",
          "/v1/sessions?kind=%s&limit=%s",
          "/v1/assets/%s",
          "/v1/status",
          "/v1/dev/token",
          "/%s",
          "/assets/%s",
          "/samples/%s",
          "/v1/links");

  private static final List<String> IDS =
      List.of(
          "room:abuse-x",
          "room:..%2F..%2Fetc%2Fpasswd",
          "room:%00",
          "recording:" + "r".repeat(300),
          "room:\u00e9t\u00e9",
          "%ff%fe",
          "room:a/../../b",
          "-1",
          "room:" + "%25".repeat(50),
          "map:x",
          "..",
          "");

  /** One hostile HTTP request; a 5xx other than 503, or no answer, is a failure. */
  private void http(Random random) throws Exception {
    String path = PATHS.get(random.nextInt(PATHS.size()));
    String id = random.nextInt(4) == 0 ? room : IDS.get(random.nextInt(IDS.size()));
    path =
        path.replaceFirst("%s", id).replaceFirst("%s", Integer.toString(random.nextInt() % 5000));
    String method =
        List.of("GET", "HEAD", "DELETE", "PUT", "POST", "OPTIONS", "PATCH", "BREW")
            .get(random.nextInt(8));
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    head.append("Host: ").append(random.nextInt(4) == 0 ? "evil.example" : host + ":" + port);
    int headers = random.nextInt(6);
    byte[] body = new byte[0];
    for (int i = 0; i < headers; i++) {
      switch (random.nextInt(12)) {
        case 0 ->
            head.append("\r\nRange: bytes=")
                .append(
                    List.of(
                            "999999999-",
                            "-0",
                            "5-1",
                            "0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7",
                            "x-y",
                            "-99999999999999999999",
                            "0-")
                        .get(random.nextInt(7)));
        case 1 ->
            head.append("\r\nAuthorization: Bearer ")
                .append(
                    List.of(
                            "",
                            "x",
                            "a.b.c",
                            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
                            tokens.apply("abuse-http", "room:abuse-elsewhere-*:read"))
                        .get(random.nextInt(5)));
        case 2 -> head.append("\r\nX-Forwarded-For: 127.0.0.1, 1.2.3.4");
        case 3 ->
            head.append("\r\nOrigin: ")
                .append(
                    List.of("null", "http://evil.example", "http://127.0.0.1")
                        .get(random.nextInt(3)));
        case 4 -> head.append("\r\nX-Long: ").append("h".repeat(random.nextInt(20_000)));
        case 5 ->
            head.append("\r\nContent-Type: ")
                .append(
                    List.of(
                            "text/plain",
                            "application/json",
                            "multipart/form-data; boundary=",
                            "application/json; charset=utf-7")
                        .get(random.nextInt(4)));
        case 6 -> {
          body = new byte[random.nextInt(4096)];
          random.nextBytes(body);
          head.append("\r\nContent-Length: ").append(body.length);
        }
        case 7 ->
            head.append("\r\nContent-Length: ")
                .append(
                    List.of("-1", "99999999999999999999", "abc", "1, 2").get(random.nextInt(4)));
        case 8 -> {
          head.append("\r\nTransfer-Encoding: chunked");
          body = "zz\r\nnot a chunk\r\n".getBytes(StandardCharsets.US_ASCII);
        }
        case 9 -> head.append("\r\nIf-Range: \"x\"\r\nIf-None-Match: *");
        case 10 -> head.append("\r\nUpgrade: websocket\r\nConnection: Upgrade");
        default -> head.append("\r\nAccept: ").append("*/*;q=".repeat(1 + random.nextInt(200)));
      }
    }
    httpRequests.increment();
    RawHttp.Response r;
    try {
      r = RawHttp.send(host, port, head.toString(), body, Duration.ofSeconds(10));
    } catch (AssertionError | java.io.IOException noAnswer) {
      // the node may close a connection whose head it refuses; a missing answer is counted
      count(httpStatuses, -1);
      return;
    }
    count(httpStatuses, r.status());
    // 501 is the answer to a method HTTP does not know; 503 to a node that is not ready
    boolean unknownMethod = r.status() == 501 && method.equals("BREW");
    if (r.status() >= 500 && r.status() != 503 && !unknownMethod) {
      httpFailures.add(r.status() + " for " + head.toString().split("\r\n")[0]);
    }
  }

  private static <K> void count(Map<K, LongAdder> counts, K key) {
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** The insiders' sockets are closed (their leaves are the only thing the watcher may see). */
  public void closeInsiders() {
    insiderSockets.forEach(RawWs::close);
  }

  /**
   * After the run: the node is healthy, the room's seq and state are as before, the watcher saw no
   * change and no presence but the insiders' leaves, and a normal client joins and edits (the
   * watcher sees that).
   */
  public void verify() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> health =
        client.send(
            HttpRequest.newBuilder(URI.create(httpUrl + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), "/healthz after the abuse");
    assertTrue(accepted.isEmpty(), "hostile frames accepted: " + accepted);
    assertTrue(httpFailures.isEmpty(), "HTTP failures: " + httpFailures);
    assertTrue(notClosed.isEmpty(), "connections without hello left open: " + notClosed);

    // wait until the insiders' leaves reached the watcher (each is a presence entry set to null)
    List<JsonNode> seen = new ArrayList<>();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < until) {
      JsonNode f = watcher.poll(Duration.ofMillis(500));
      if (f == null) {
        break;
      }
      seen.add(f);
    }
    for (JsonNode f : seen) {
      String type = f.path("type").asText();
      if (type.equals("pong")) {
        continue; // the keep-alive's
      }
      assertFalse(
          type.equals("delta") || type.equals("snapshot") || type.equals("error"),
          "the watcher got " + f);
      if (type.equals("presence")) {
        f.path("payload")
            .path("members")
            .fields()
            .forEachRemaining(
                e -> {
                  assertTrue(e.getValue().isNull(), "a presence from the abuse: " + f);
                  String principal = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
                  assertTrue(
                      insiderPrincipals.contains(principal), "a member not of the abuse: " + f);
                });
      }
    }
    assertFalse(watcher.isClosed(), "the watcher is still connected");

    // the room as it was, for a new member
    try (WsClient late = WsClient.connect(wsUrl, "tandem.v1.cbor")) {
      late.hello(tokens.apply("abuse-late", room + ":write"));
      JsonNode after = late.join(room, "editor").path("payload");
      seqChange = after.path("seq").asLong() - before.path("seq").asLong();
      stateChanged = !before.path("state").equals(after.path("state"));
      assertEquals(before.path("seq"), after.path("seq"), "seq after the abuse");
      assertEquals(before.path("state"), after.path("state"), "state after the abuse");
      JsonNode ok = late.set(room, "after", "the abuse");
      assertEquals("ok", ok.path("type").asText(), "a normal edit after the abuse: " + ok);
      long seq = ok.path("payload").path("seq").asLong();
      assertEquals(before.path("seq").asLong() + 1, seq);
      JsonNode delta =
          watcher.await(
              f -> !isPong(f) && !"presence".equals(f.path("type").asText()),
              Duration.ofSeconds(10));
      assertEquals("delta", delta.path("type").asText());
      assertEquals(seq, delta.path("payload").path("seq").asLong());
    }
  }

  /** Stops the keep-alive, closes the insiders, the owner and the watcher. */
  public void close() {
    if (keepAlive != null) {
      keepAlive.shutdownNow();
    }
    closeInsiders();
    if (watcher != null) {
      watcher.close();
    }
    if (owner != null) {
      owner.close();
    }
  }

  /** The figures, one per line. */
  public String report() {
    StringBuilder b = new StringBuilder();
    b.append("seed ").append(options.seed()).append('\n');
    b.append("frames tried ").append(framesTried.sum()).append('\n');
    b.append("connections ").append(connections.sum()).append('\n');
    b.append("http requests ").append(httpRequests.sum()).append('\n');
    b.append("client-side errors ").append(clientErrors.sum()).append('\n');
    b.append("closes by code ").append(sorted(closes)).append('\n');
    b.append("http statuses ").append(sorted(httpStatuses)).append('\n');
    b.append("hostile frames accepted ").append(accepted.size()).append('\n');
    Map<String, Long> byDefect = new TreeMap<>();
    // by defect, without the frame it was made from: "json:path-deep"
    defects.forEach(
        (k, v) ->
            byDefect.merge(
                k.replaceAll("\\+.*", "").replaceAll(":[a-z-]+/", ":"), v.sum(), Long::sum));
    b.append("defects ").append(byDefect.size()).append(" kinds ").append(byDefect).append('\n');
    return b.toString();
  }

  private static <K extends Comparable<K>> Map<K, Long> sorted(Map<K, LongAdder> counts) {
    Map<K, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** A seed from {@code -Dtandem.abuse.seed}, else a new one. */
  public static long seed() {
    String given = System.getProperty("tandem.abuse.seed");
    return given != null && !given.isBlank()
        ? Long.parseLong(given.trim())
        : new java.security.SecureRandom().nextLong();
  }
}
