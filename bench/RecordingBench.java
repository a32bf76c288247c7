import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publish and replay throughput of one recording against a running node (JDK only; run it with
 * {@code java bench/RecordingBench.java}, see bench/README.md).
 *
 * <p>Publish: one publisher sends {@code frames} publish frames of {@code perFrame} events each
 * (about 100 bytes per event, a checkpoint every 100 frames), keeping at most {@code window}
 * frames unacknowledged, and measures until the last {@code ok}: events persisted per second.
 * Replay: a viewer replays the recording at speed 0 and counts the events that arrive until
 * {@code replay.end}: events per second out of Cassandra to one client.
 */
public final class RecordingBench {
  private static final Pattern REF = Pattern.compile("\"ref\":(\\d+)");
  private static final Pattern TYPE = Pattern.compile("\"type\":\"([a-z.]+)\"");

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println(
          "usage: java bench/RecordingBench.java <ws-url> <token> <frames> [perFrame=1] [window=64]");
      System.exit(2);
    }
    String url = args[0];
    String token = args[1];
    int frames = Integer.parseInt(args[2]);
    int perFrame = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    int window = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    String session = "recording:bench-" + Long.toString(System.nanoTime(), 36);

    Client pub = Client.connect(url, token);
    pub.request("join", session, "{\"role\":\"publisher\"}").get(10, TimeUnit.SECONDS);
    String pad = "x".repeat(80);
    Semaphore inFlight = new Semaphore(window);
    CountDownLatch acked = new CountDownLatch(frames);
    long start = System.nanoTime();
    for (int f = 0; f < frames; f++) {
      StringBuilder events = new StringBuilder("[");
      for (int e = 0; e < perFrame; e++) {
        if (e > 0) {
          events.append(',');
        }
        events.append("{\"n\":").append(f * perFrame + e).append(",\"p\":\"").append(pad).append("\"}");
      }
      events.append(']');
      inFlight.acquire();
      pub.request(
              "publish",
              session,
              "{\"events\":" + events + ",\"checkpoint\":" + (f % 100 == 0) + "}")
          .whenComplete(
              (reply, error) -> {
                inFlight.release();
                acked.countDown();
              });
    }
    acked.await(10, TimeUnit.MINUTES);
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    long events = (long) frames * perFrame;
    pub.request("end", session, "{}").get(10, TimeUnit.SECONDS);
    pub.close();

    Client viewer = Client.connect(url, token);
    long replayStart = System.nanoTime();
    viewer.replayAll(session).get(10, TimeUnit.MINUTES);
    double replaySeconds = (System.nanoTime() - replayStart) / 1e9;
    long replayed = viewer.replayedItems.get();
    viewer.close();

    System.out.printf(
        Locale.ROOT,
        "publish: %d frames x %d events = %d events in %.2f s: %.0f events/s, %.0f frames/s (window %d)%n",
        frames, perFrame, events, publishSeconds, events / publishSeconds, frames / publishSeconds, window);
    System.out.printf(
        Locale.ROOT,
        "replay speed 0: %d items (%d events) in %.2f s: %.0f events/s%n",
        replayed, events, replaySeconds, events / replaySeconds);
  }

  /** A minimal protocol client: requests with refs, replies matched by ref. */
  static final class Client implements WebSocket.Listener {
    private final java.util.Map<Long, CompletableFuture<String>> waiting =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong refs = new AtomicLong();
    private final StringBuilder partial = new StringBuilder();
    final AtomicLong replayedItems = new AtomicLong();
    private final AtomicReference<CompletableFuture<Void>> replayDone = new AtomicReference<>();
    private WebSocket ws;

    static Client connect(String url, String token) throws Exception {
      Client c = new Client();
      c.ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .subprotocols("tandem.v1.json")
              .buildAsync(URI.create(url), c)
              .get(10, TimeUnit.SECONDS);
      c.request("hello", null, "{\"token\":\"" + token + "\",\"client\":{\"kind\":\"bot\"}}")
          .get(10, TimeUnit.SECONDS);
      return c;
    }

    CompletableFuture<String> request(String type, String session, String payload) {
      long ref = refs.incrementAndGet();
      CompletableFuture<String> reply = new CompletableFuture<>();
      waiting.put(ref, reply);
      String frame =
          "{\"version\":1,\"type\":\""
              + type
              + "\",\"ref\":"
              + ref
              + (session == null ? "" : ",\"session\":\"" + session + "\"")
              + ",\"payload\":"
              + payload
              + "}";
      synchronized (this) {
        ws.sendText(frame, true).join();
      }
      return reply;
    }

    CompletableFuture<Void> replayAll(String session) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      replayDone.set(done);
      request("replay", session, "{\"from\":1,\"speed\":0}");
      return done;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        Matcher type = TYPE.matcher(text);
        String t = type.find() ? type.group(1) : "";
        if (t.equals("replay.events")) {
          int items = 0;
          for (int i = text.indexOf("\"frame\""); i >= 0; i = text.indexOf("\"frame\"", i + 1)) {
            items++;
          }
          replayedItems.addAndGet(items);
        } else if (t.equals("replay.end")) {
          replayDone.get().complete(null);
        } else {
          Matcher ref = REF.matcher(text);
          if (ref.find()) {
            CompletableFuture<String> f = waiting.remove(Long.parseLong(ref.group(1)));
            if (f != null) {
              f.complete(text);
            }
          }
        }
      }
      webSocket.request(1);
      return null;
    }

    void close() {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    }
  }
}
