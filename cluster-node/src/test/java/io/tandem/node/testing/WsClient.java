package io.tandem.node.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A protocol client over a real WebSocket (the JDK's {@code java.net.http}), speaking raw JSON or
 * CBOR as an independent client would: it does not use our codec. Frames arrive in a queue; {@link
 * #pause()} stops reading from the socket (a slow consumer), {@link #resume()} reads again.
 */
public final class WsClient implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();

  /** How long {@link #awaitPush(String)} waits. */
  private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(10);

  private static final CBORMapper CBOR = new CBORMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final WebSocket socket;
  private final boolean cbor;
  private final Listener listener;
  private final BlockingQueue<JsonNode> frames;
  private final CompletableFuture<Integer> closed;
  private final AtomicLong refs = new AtomicLong();
  private final List<JsonNode> kept = new ArrayList<>();

  private WsClient(WebSocket socket, boolean cbor, Listener listener) {
    this.socket = socket;
    this.cbor = cbor;
    this.listener = listener;
    this.frames = listener.frames;
    this.closed = listener.closed;
  }

  /** Connects offering {@code subprotocols} (none: the server picks JSON). */
  public static WsClient connect(String url, String... subprotocols) {
    Listener listener = new Listener();
    WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (subprotocols.length > 0) {
      String[] rest = new String[subprotocols.length - 1];
      System.arraycopy(subprotocols, 1, rest, 0, rest.length);
      b = b.subprotocols(subprotocols[0], rest);
    }
    WebSocket ws = b.buildAsync(URI.create(url), listener).join();
    boolean cbor = "tandem.v1.cbor".equals(ws.getSubprotocol());
    WsClient client = new WsClient(ws, cbor, listener);
    return client;
  }

  /** Receives on the socket's thread; owns the queue so that no frame precedes the client. */
  private static final class Listener implements WebSocket.Listener {
    final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile boolean paused;
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        deliver(ws, parse(() -> JSON.readTree(text.toString())));
        text.setLength(0);
      } else {
        ws.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      binary.writeBytes(chunk);
      if (last) {
        byte[] all = binary.toByteArray();
        binary.reset();
        deliver(ws, parse(() -> CBOR.readTree(all)));
      } else {
        ws.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(-1);
    }

    private void deliver(WebSocket ws, JsonNode frame) {
      frames.add(frame);
      if (!paused) {
        ws.request(1);
      }
    }

    private interface Parse {
      JsonNode run() throws Exception;
    }

    private static JsonNode parse(Parse p) {
      try {
        return p.run();
      } catch (Exception e) {
        throw new IllegalStateException("server sent an undecodable frame", e);
      }
    }
  }

  public boolean isCbor() {
    return cbor;
  }

  /**
   * Sends a frame object (encoded in the connection's encoding). Synchronized: the JDK's WebSocket
   * refuses a send while another is pending, and a keep-alive may ping from another thread.
   */
  public synchronized void send(ObjectNode frame) {
    try {
      if (cbor) {
        socket.sendBinary(ByteBuffer.wrap(CBOR.writeValueAsBytes(frame)), true).join();
      } else {
        socket.sendText(JSON.writeValueAsString(frame), true).join();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends raw text as one frame (for malformed input). */
  public synchronized void sendRaw(String text) {
    socket.sendText(text, true).join();
  }

  /** A frame {@code {version:1, type, ref, session?, payload}} with a fresh ref. */
  public ObjectNode frame(String type, String session, ObjectNode payload) {
    ObjectNode f = JSON.createObjectNode();
    f.put("version", 1);
    f.put("type", type);
    f.put("ref", refs.incrementAndGet());
    if (session != null) {
      f.put("session", session);
    }
    f.set("payload", payload == null ? JSON.createObjectNode() : payload);
    return f;
  }

  public static ObjectNode payload() {
    return JSON.createObjectNode();
  }

  /** Sends hello and returns the welcome. */
  public JsonNode hello(String token) {
    ObjectNode p = payload().put("token", token);
    p.putObject("client").put("name", "test").put("kind", "bot");
    ObjectNode f = frame("hello", null, p);
    send(f);
    JsonNode welcome = next(Duration.ofSeconds(10));
    assertEquals("welcome", welcome.path("type").asText(), "expected welcome, got " + welcome);
    assertEquals(f.get("ref").asLong(), welcome.path("ref").asLong());
    return welcome;
  }

  /**
   * Sends a protocol {@code ping} (section 3) without waiting for its {@code pong}: a client that
   * has nothing else to say keeps its connection within the node's heartbeat rule this way.
   */
  public void ping() {
    send(frame("ping", null, payload().put("t", System.currentTimeMillis())));
  }

  /** Joins and returns the direct reply (snapshot or error). */
  public JsonNode join(String session, String role) {
    return join(session, role, null, null);
  }

  public JsonNode join(String session, String role, Long since, String epoch) {
    ObjectNode p = payload().put("role", role);
    if (since != null) {
      p.put("since", since);
      p.put("epoch", epoch);
    }
    ObjectNode f = frame("join", session, p);
    send(f);
    return replyTo(f);
  }

  /** Sends {@code op} with one set and returns the reply (ok or error). */
  public JsonNode set(String session, String path, Object value) {
    ObjectNode p = payload();
    ObjectNode op = p.putArray("ops").addObject().put("op", "set").put("path", path);
    op.set("value", JSON.valueToTree(value));
    ObjectNode f = frame("op", session, p);
    send(f);
    return replyTo(f);
  }

  /** Sends {@code op} with one set and an idempotency key; returns the reply (ok or error). */
  public JsonNode set(String session, String path, Object value, String key) {
    ObjectNode f = setFrame(session, path, value, key);
    send(f);
    return replyTo(f);
  }

  /** An {@code op} frame with one set and, unless null, an idempotency key (not sent). */
  public ObjectNode setFrame(String session, String path, Object value, String key) {
    ObjectNode p = payload();
    ObjectNode op = p.putArray("ops").addObject().put("op", "set").put("path", path);
    op.set("value", JSON.valueToTree(value));
    if (key != null) {
      p.put("key", key);
    }
    return frame("op", session, p);
  }

  /** The direct reply to {@code request}: the next frame carrying its ref. */
  public JsonNode replyTo(ObjectNode request) {
    long ref = request.get("ref").asLong();
    return await(f -> f.path("ref").asLong(-1) == ref, Duration.ofSeconds(10));
  }

  /**
   * Like phoenix's {@code assert_reply}: the direct reply to {@code request} (within 10 s), failing
   * unless it is of {@code type} ({@code "ok"}, {@code "snapshot"}, ...). Returns it.
   */
  public JsonNode assertReply(ObjectNode request, String type) {
    JsonNode reply = replyTo(request);
    assertEquals(
        type, reply.path("type").asText(), "reply to " + request.path("type") + ": " + reply);
    return reply;
  }

  /** The direct reply to {@code request}, failing unless it is {@code error{code}}. Returns it. */
  public JsonNode assertError(ObjectNode request, String code) {
    JsonNode reply = assertReply(request, "error");
    assertEquals(code, reply.at("/payload/code").asText(), "error code of " + reply);
    return reply;
  }

  /**
   * Like phoenix's {@code assert_push}: the first frame of {@code type} (within 10 s), whatever its
   * session; frames before it are kept for later calls.
   */
  public JsonNode awaitPush(String type) {
    return awaitPush(type, null, PUSH_TIMEOUT);
  }

  /** The first frame of {@code type} for {@code session} (any session when null). */
  public JsonNode awaitPush(String type, String session, Duration timeout) {
    return await(
        f ->
            type.equals(f.path("type").asText())
                && (session == null || session.equals(f.path("session").asText())),
        timeout);
  }

  /** The next frame of any type. */
  public JsonNode next(Duration timeout) {
    return await(f -> true, timeout);
  }

  /**
   * The first frame, in arrival order, matching {@code wanted}. Frames before it that do not match
   * are kept for later calls (a reply may arrive after a delta it caused, or before).
   */
  public JsonNode await(Predicate<JsonNode> wanted, Duration timeout) {
    for (int i = 0; i < kept.size(); i++) {
      if (wanted.test(kept.get(i))) {
        return kept.remove(i);
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        fail("no matching frame within " + timeout + "; unmatched: " + summary(kept));
      }
      JsonNode f;
      try {
        f = frames.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      if (f != null) {
        if (wanted.test(f)) {
          return f;
        }
        kept.add(f);
      }
    }
  }

  /** The next frame (kept ones first), or null when none arrives within {@code timeout}. */
  public JsonNode poll(Duration timeout) {
    if (!kept.isEmpty()) {
      return kept.remove(0);
    }
    try {
      return frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The first frame matching {@code wanted}; every frame before it is dropped. */
  public JsonNode skipTo(Predicate<JsonNode> wanted, Duration timeout) {
    JsonNode f = await(wanted, timeout);
    kept.clear();
    return f;
  }

  /** Frames as "type#seq" (never their payloads: failure messages stay readable). */
  static String summary(List<JsonNode> frames) {
    StringBuilder b = new StringBuilder("[");
    for (JsonNode f : frames) {
      if (b.length() > 1) {
        b.append(", ");
      }
      b.append(f.path("type").asText());
      if (f.at("/payload/seq").isNumber()) {
        b.append('#').append(f.at("/payload/seq").asLong());
      }
    }
    return b.append(']').toString();
  }

  /** The next frame that is not presence; presence frames before it are dropped. */
  public JsonNode nextNonPresence(Duration timeout) {
    kept.removeIf(f -> "presence".equals(f.path("type").asText()));
    JsonNode f = await(x -> !"presence".equals(x.path("type").asText()), timeout);
    kept.removeIf(x -> "presence".equals(x.path("type").asText()));
    return f;
  }

  /** Frames received and not yet taken. */
  public List<JsonNode> drain() {
    List<JsonNode> out = new ArrayList<>(kept);
    kept.clear();
    frames.drainTo(out);
    return out;
  }

  public void pause() {
    listener.paused = true;
  }

  public void resume() {
    listener.paused = false;
    socket.request(1);
  }

  /** The close code the server sent, waiting up to {@code timeout}. */
  public int awaitClose(Duration timeout) {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("connection not closed within " + timeout, e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
    socket.abort();
  }
}
