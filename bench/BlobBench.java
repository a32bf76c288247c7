import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recordings with large payloads against a running node (JDK only: {@code java
 * bench/BlobBench.java}, see bench/README.md). Payloads are pseudo-random, so each is a distinct
 * blob in the content-addressed store; bytes travel base64 in JSON.
 *
 * <p>{@code latejoin <ws-url> <token> <megabytes> [shardKiB=128] [checkpointEvery=10]}: one
 * producer publishes shards until the recording holds that many MB (pipelined, 16 frames
 * unacknowledged), then a late viewer joins (time from {@code join} to its {@code snapshot}, the
 * first frame) and replays from seq 1 at speed 0 (time to the first {@code replay.events}, and to
 * the end).
 *
 * <p>{@code fill <ws-url> <token> <recordings> <megabytesEach> [shardKiB=128] [holdSeconds=120]}:
 * as many producers publish into their own recording until each published that many MB, then
 * stay joined for {@code holdSeconds} so that the node's heap can be measured with the recordings
 * live at their buffer bound.
 */
public final class BlobBench {
  private static final Pattern REF = Pattern.compile("\"ref\":(\\d+)");
  private static final Pattern TYPE = Pattern.compile("\"type\":\"([a-z.]+)\"");

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println(
          "usage: java bench/BlobBench.java latejoin <ws-url> <token> <megabytes> [shardKiB] [checkpointEvery]\n"
              + "       java bench/BlobBench.java fill <ws-url> <token> <recordings> <megabytesEach> [shardKiB] [holdSeconds]");
      System.exit(2);
    }
    if (args[0].equals("latejoin")) {
      lateJoin(
          args[1],
          args[2],
          Integer.parseInt(args[3]),
          args.length > 4 ? Integer.parseInt(args[4]) : 128,
          args.length > 5 ? Integer.parseInt(args[5]) : 10);
    } else {
      fill(
          args[1],
          args[2],
          Integer.parseInt(args[3]),
          Integer.parseInt(args[4]),
          args.length > 5 ? Integer.parseInt(args[5]) : 128,
          args.length > 6 ? Integer.parseInt(args[6]) : 120);
    }
    System.exit(0);
  }

  static String session(String kind) {
    return "recording:" + kind + "-" + Long.toString(System.nanoTime(), 36);
  }

  /** Publishes {@code shards} distinct shards, at most 16 unacknowledged; returns seconds. */
  static double publish(Client pub, String session, int shards, int shardBytes, int checkpointEvery, long seed)
      throws Exception {
    Semaphore window = new Semaphore(16);
    CountDownLatch acked = new CountDownLatch(shards);
    AtomicLong errors = new AtomicLong();
    Random random = new Random(seed);
    byte[] shard = new byte[shardBytes];
    long start = System.nanoTime();
    for (int i = 0; i < shards; i++) {
      random.nextBytes(shard);
      String payload =
          "{\"events\":[{\"shard\":"
              + i
              + "}],\"checkpoint\":"
              + (i % checkpointEvery == 0)
              + ",\"bytes\":\""
              + Base64.getEncoder().encodeToString(shard)
              + "\"}";
      window.acquire();
      pub.request("publish", session, payload)
          .whenComplete(
              (reply, error) -> {
                if (error != null || !reply.contains("\"type\":\"ok\"")) {
                  errors.incrementAndGet();
                }
                window.release();
                acked.countDown();
              });
    }
    if (!acked.await(30, TimeUnit.MINUTES)) {
      throw new IllegalStateException("publishes not acknowledged");
    }
    if (errors.get() > 0) {
      throw new IllegalStateException(errors.get() + " publishes refused");
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static void lateJoin(String url, String token, int megabytes, int shardKiB, int checkpointEvery)
      throws Exception {
    String session = session("late-join");
    int shardBytes = shardKiB * 1024;
    int shards = (int) ((long) megabytes * 1_000_000 / shardBytes) + 1;
    Client pub = Client.connect(url, token);
    pub.request("join", session, "{\"role\":\"publisher\"}").get(10, TimeUnit.SECONDS);
    double seconds = publish(pub, session, shards, shardBytes, checkpointEvery, 42);
    double mb = (double) shards * shardBytes / 1e6;
    System.out.printf(
        Locale.ROOT,
        "published %d shards of %d KiB = %.1f MB in %.1f s: %.1f MB/s, %.0f shards/s%n",
        shards, shardKiB, mb, seconds, mb / seconds, shards / seconds);

    Client late = Client.connect(url, token);
    long t0 = System.nanoTime();
    String snapshot =
        late.request("join", session, "{\"role\":\"viewer\"}").get(60, TimeUnit.SECONDS);
    double joinMs = (System.nanoTime() - t0) / 1e6;
    System.out.printf(
        Locale.ROOT,
        "late join: snapshot (first frame) after %.1f ms, %.2f MB of JSON, %d batches with bytes%n",
        joinMs, snapshot.length() / 1e6, count(snapshot, "\"bytes\""));

    Client viewer = Client.connect(url, token);
    long r0 = System.nanoTime();
    CompletableFuture<Void> first = new CompletableFuture<>();
    viewer.firstReplayFrame = first;
    CompletableFuture<Void> end = viewer.replayAll(session);
    first.get(10, TimeUnit.MINUTES);
    double firstMs = (System.nanoTime() - r0) / 1e6;
    end.get(30, TimeUnit.MINUTES);
    double replaySeconds = (System.nanoTime() - r0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "replay from seq 1 at speed 0: first replay.events after %.1f ms; %d items, %.1f MB of JSON in %.1f s: %.1f MB/s%n",
        firstMs, viewer.replayedItems.get(), viewer.replayedChars.get() / 1e6, replaySeconds,
        viewer.replayedChars.get() / 1e6 / replaySeconds);
    pub.close();
    late.close();
    viewer.close();
  }

  static void fill(
      String url, String token, int recordings, int megabytesEach, int shardKiB, int holdSeconds)
      throws Exception {
    int shardBytes = shardKiB * 1024;
    int shards = (int) ((long) megabytesEach * 1_000_000 / shardBytes) + 1;
    List<Client> producers = new ArrayList<>();
    long start = System.nanoTime();
    // a few recordings at a time: the node's journal and blob writes are the bottleneck anyway
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (int r = 0; r < recordings; r++) {
      String session = session("fill-" + r);
      Client pub = Client.connect(url, token);
      producers.add(pub);
      pub.request("join", session, "{\"role\":\"publisher\"}").get(10, TimeUnit.SECONDS);
      long seed = r;
      running.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  publish(pub, session, shards, shardBytes, 8, seed);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
      if (running.size() == 4) {
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
        running.clear();
      }
    }
    CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "filled %d recordings with %d shards of %d KiB each (%.1f MB in all) in %.1f s; holding them for %d s%n",
        recordings, shards, shardKiB, (double) recordings * shards * shardBytes / 1e6, seconds,
        holdSeconds);
    Thread.sleep(holdSeconds * 1000L);
    for (Client c : producers) {
      c.close();
    }
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  /** A minimal protocol client: requests with refs, replies matched by ref. */
  static final class Client implements WebSocket.Listener {
    private final java.util.Map<Long, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong refs = new AtomicLong();
    private final StringBuilder partial = new StringBuilder();
    final AtomicLong replayedItems = new AtomicLong();
    final AtomicLong replayedChars = new AtomicLong();
    volatile CompletableFuture<Void> firstReplayFrame;
    private volatile CompletableFuture<Void> replayDone;
    private WebSocket ws;

    static Client connect(String url, String token) throws Exception {
      Client c = new Client();
      c.ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .subprotocols("tandem.v1.json")
              .buildAsync(URI.create(url), c)
              .get(10, TimeUnit.SECONDS);
      c.request("hello", null, "{\"token\":\"" + token + "\",\"client\":{\"kind\":\"producer\"}}")
          .get(10, TimeUnit.SECONDS);
      return c;
    }

    CompletableFuture<String> request(String type, String session, String payload) {
      long ref = refs.incrementAndGet();
      CompletableFuture<String> reply = new CompletableFuture<>();
      waiting.put(ref, reply);
      String frame =
          "{\"version\":1,\"type\":\"" + type + "\",\"ref\":" + ref
              + (session == null ? "" : ",\"session\":\"" + session + "\"")
              + ",\"payload\":" + payload + "}";
      synchronized (this) {
        ws.sendText(frame, true).join();
      }
      return reply;
    }

    CompletableFuture<Void> replayAll(String session) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      replayDone = done;
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
        // the type is near the start; do not scan megabytes of base64 for it
        Matcher type = TYPE.matcher(text.substring(0, Math.min(text.length(), 200)));
        String t = type.find() ? type.group(1) : "";
        if (t.equals("replay.events")) {
          CompletableFuture<Void> first = firstReplayFrame;
          if (first != null) {
            first.complete(null);
          }
          replayedItems.addAndGet(count(text, "\"frame\""));
          replayedChars.addAndGet(text.length());
        } else if (t.equals("replay.end")) {
          replayDone.complete(null);
        } else {
          Matcher ref = REF.matcher(text.substring(0, Math.min(text.length(), 200)));
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
