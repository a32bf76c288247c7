package io.tandem.node.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that edits one room the way a well-behaved real client does across node failures: it
 * sends one {@code op} at a time, each with an idempotency key; when its connection drops (the node
 * was killed or drained) it reconnects to the next node of its list, resumes with {@code since} and
 * {@code epoch}, and sends the unacknowledged op again with the same key. Every op sets its own
 * path ({@code <name>.k<n>} to n), so any loss or double application is visible.
 *
 * <p>It records what it saw: the acknowledged keys with their seqs, every change by seq, and every
 * anomaly (a seq seen twice, a gap) for the test to assert on. Runs on a thread of its own until
 * {@link #close()}.
 */
public final class ResumingEditor implements AutoCloseable {
  private static final Duration REPLY_WAIT = Duration.ofSeconds(8);

  /** Error codes after which nothing changed and the protocol says to retry (section 7). */
  private static final Set<String> RETRYABLE = Set.of("unavailable", "rate_limited");

  /** Pause before resending an op the node refused for now. */
  private static final Duration RETRY_BACKOFF = Duration.ofMillis(100);

  private final String name;
  private final List<String> urls;
  private final String room;
  private final String token;
  private final CompletableFuture<Void> done;
  private volatile boolean editing = true;
  private volatile boolean closing;
  private int urlIndex;
  private WsClient client;

  // what it saw; guarded by this
  private final Map<String, Long> acked = new LinkedHashMap<>();
  private final TreeMap<Long, String> changes = new TreeMap<>();
  private final Map<String, String> doc = new HashMap<>();
  private final List<String> anomalies = new ArrayList<>();
  private long lastSeq = -1;
  private String epoch;
  private final AtomicInteger connections = new AtomicInteger();
  private int freshSnapshots;
  private final List<String> nodesUsed = new ArrayList<>();

  private ResumingEditor(String name, List<String> urls, String room, String token) {
    this.name = name;
    this.urls = List.copyOf(urls);
    this.room = room;
    this.token = token;
    this.done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                run();
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            "editor-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** Starts editing {@code room} through the first of {@code urls}, failing over to the next. */
  public static ResumingEditor start(String name, List<String> urls, String room, String token) {
    return new ResumingEditor(name, urls, room, token);
  }

  private void run() {
    int n = 0;
    String pendingKey = null;
    int pendingN = 0;
    while (!closing) {
      if (client == null || client.isClosed()) {
        connect();
        continue;
      }
      if (pendingKey == null && editing) {
        n++;
        pendingN = n;
        pendingKey = name + "-" + n;
      }
      if (pendingKey == null) {
        idle = true;
        // done editing: keep reading until closed, so the test can wait for the final seq
        JsonNode f = client.poll(Duration.ofMillis(200));
        if (f != null) {
          handle(f);
        }
        continue;
      }
      ObjectNode frame = client.setFrame(room, name + ".k" + pendingN, pendingN, pendingKey);
      long ref = frame.get("ref").asLong();
      try {
        client.send(frame);
      } catch (RuntimeException e) {
        drop();
        continue;
      }
      JsonNode reply = awaitReply(ref);
      if (reply == null) {
        // no answer: the connection or the room's node went away; resend after resuming
        drop();
      } else if ("ok".equals(reply.path("type").asText())) {
        synchronized (this) {
          acked.put(pendingKey, reply.at("/payload/seq").asLong());
        }
        pendingKey = null;
      } else if (RETRYABLE.contains(reply.at("/payload/code").asText())) {
        // nothing was applied: back off as a client should, then send the same op (same key) again.
        // Without the pause a room in hand-over answers `unavailable` at once and the resends spend
        // the connection's frame budget until the node answers `rate_limited`.
        keepReadingFor(RETRY_BACKOFF);
      } else {
        synchronized (this) {
          anomalies.add("op " + pendingKey + " refused: " + reply.at("/payload/code").asText());
        }
        pendingKey = null;
      }
    }
    if (client != null) {
      client.close();
    }
  }

  /** Handles whatever arrives for {@code pause}, sending nothing: a client's back-off. */
  private void keepReadingFor(Duration pause) {
    long deadline = System.nanoTime() + pause.toNanos();
    while (System.nanoTime() < deadline && !client.isClosed()) {
      JsonNode f = client.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f != null) {
        handle(f);
      }
    }
  }

  private JsonNode awaitReply(long ref) {
    long deadline = System.nanoTime() + REPLY_WAIT.toNanos();
    while (System.nanoTime() < deadline && !client.isClosed()) {
      JsonNode f = client.poll(Duration.ofMillis(100));
      if (f == null) {
        continue;
      }
      if (f.path("ref").asLong(-1) == ref) {
        return f;
      }
      handle(f);
    }
    return null;
  }

  private void drop() {
    if (client != null) {
      client.close();
    }
    client = null;
    urlIndex++;
  }

  /** Connects to the next node that answers and joins, resuming from the last seq it saw. */
  private void connect() {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> closing || tryConnect());
  }

  private boolean tryConnect() {
    String url = urls.get(urlIndex % urls.size());
    WsClient c;
    try {
      c = WsClient.connect(url);
    } catch (RuntimeException e) {
      urlIndex++;
      return false;
    }
    try {
      c.hello(token);
      JsonNode snap;
      synchronized (this) {
        snap = lastSeq < 0 ? c.join(room, "editor") : c.join(room, "editor", lastSeq, epoch);
      }
      if (!"snapshot".equals(snap.path("type").asText())) {
        c.close();
        urlIndex++;
        return false;
      }
      handleSnapshot(snap);
      System.out.println(
          java.time.LocalTime.now() + " " + name + " joined through " + url + " since " + lastSeq);
      client = c;
      connections.incrementAndGet();
      synchronized (this) {
        nodesUsed.add(url);
      }
      return true;
    } catch (AssertionError | RuntimeException e) {
      c.close();
      urlIndex++;
      return false;
    }
  }

  private void handle(JsonNode f) {
    switch (f.path("type").asText()) {
      case "delta" -> onDelta(f.get("payload"));
      case "snapshot" -> handleSnapshot(f);
      default -> {
        // presence, resync (a snapshot follows), bye (the close follows)
      }
    }
  }

  private synchronized void onDelta(JsonNode p) {
    long seq = p.get("seq").asLong();
    if (seq <= lastSeq) {
      anomalies.add(name + " got seq " + seq + " again (had " + lastSeq + ")");
      return;
    }
    if (seq != lastSeq + 1) {
      anomalies.add(name + " missed seqs " + (lastSeq + 1) + ".." + (seq - 1));
    }
    StringBuilder summary = new StringBuilder();
    for (JsonNode op : p.path("ops")) {
      String path = op.path("path").asText();
      doc.put(path, op.path("value").toString());
      summary.append(path).append('=').append(op.path("value"));
    }
    changes.put(seq, summary.toString());
    lastSeq = seq;
  }

  private synchronized void handleSnapshot(JsonNode snap) {
    JsonNode p = snap.get("payload");
    epoch = p.path("epoch").asText();
    if (p.path("recovered").asBoolean(false)) {
      return; // the missed changes follow as deltas
    }
    freshSnapshots++;
    doc.clear();
    doc.putAll(flatten(p.at("/state/doc")));
    lastSeq = p.path("seq").asLong();
  }

  /** A two-level doc ({@code owner.key}: value as JSON text), as these editors write it. */
  public static Map<String, String> flatten(JsonNode doc) {
    Map<String, String> out = new HashMap<>();
    doc.properties()
        .forEach(
            owner ->
                owner
                    .getValue()
                    .properties()
                    .forEach(
                        k -> out.put(owner.getKey() + "." + k.getKey(), k.getValue().toString())));
    return out;
  }

  /** Stops sending new ops; the one in flight is still completed (acknowledged or retried). */
  public void stopEditing() {
    editing = false;
  }

  public synchronized int ackedCount() {
    return acked.size();
  }

  public synchronized Map<String, Long> acked() {
    return new LinkedHashMap<>(acked);
  }

  public synchronized Map<Long, String> changes() {
    return new TreeMap<>(changes);
  }

  public synchronized Map<String, String> doc() {
    return new HashMap<>(doc);
  }

  public synchronized List<String> anomalies() {
    return new ArrayList<>(anomalies);
  }

  public synchronized long lastSeq() {
    return lastSeq;
  }

  public int connections() {
    return connections.get();
  }

  public synchronized int freshSnapshots() {
    return freshSnapshots;
  }

  public synchronized List<String> nodesUsed() {
    return Collections.unmodifiableList(new ArrayList<>(nodesUsed));
  }

  public String name() {
    return name;
  }

  /** Whether the editor has no op in flight any more after {@link #stopEditing()}. */
  public boolean idle() {
    return idle;
  }

  private volatile boolean idle;

  @Override
  public void close() throws Exception {
    closing = true;
    done.get();
  }
}
