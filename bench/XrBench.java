import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * XR pose load against a running node (JDK only: {@code java bench/XrBench.java}, see
 * bench/README.md). {@code rooms} rooms of {@code headsets} simulated headsets each; every headset
 * stands on a circle of 4 m radius around its room's centre, looks across it while turning its
 * head slowly, and sends a pose (head and both hands) at {@code hz}. Every headset also reads:
 * it counts the {@code poses} frames and bytes it gets, and for every pose in them the latency from
 * the sender's clock ({@code t}, this JVM's monotonic clock in ms) to its arrival.
 *
 * <p>Prints, for the measured window after a warm-up: poses sent per second, frames and bytes per
 * receiver per second, latency p50/p99, and with a node pid the node's CPU (share of one core, from
 * /proc).
 */
public final class XrBench {
  private static final Pattern T = Pattern.compile("\"t\":([0-9.]+)");
  /** One HTTP client (one selector thread) per few headsets: one for all would be the bottleneck. */
  private static final List<HttpClient> CLIENTS = new ArrayList<>();

  /** Latency histogram in 0.1 ms buckets up to 10 s. */
  private static final AtomicLongArray LATENCY = new AtomicLongArray(100_000);

  /** Poses carry ms since this instant (small numbers: JSON writes them without an exponent). */
  private static final long BASE = System.nanoTime();

  private static volatile boolean measuring;
  private static final AtomicLong FRAMES = new AtomicLong();
  /** poses frames that carried a pose of every other member of the receiver's room */
  private static final AtomicLong FULL_FRAMES = new AtomicLong();

  /** the other members of each room: what a full poses frame carries */
  private static volatile int othersPerRoom;
  private static final AtomicLong BYTES = new AtomicLong();
  private static final AtomicLong SENT = new AtomicLong();
  private static final AtomicLong SKIPPED = new AtomicLong();

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println(
          "usage: java bench/XrBench.java <ws-url> <token> <headsetsPerRoom> <rooms> <seconds>"
              + " [hz=90] [nodePid] [roomTickHz: the room's own rate, via settings]");
      System.exit(2);
    }
    String url = args[0];
    String token = args[1];
    int perRoom = Integer.parseInt(args[2]);
    int rooms = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int hz = args.length > 5 ? Integer.parseInt(args[5]) : 90;
    String pid = args.length > 6 && !args[6].equals("-") ? args[6] : null;
    int roomHz = args.length > 7 ? Integer.parseInt(args[7]) : 0;
    String run = Long.toString(System.nanoTime(), 36);
    othersPerRoom = perRoom - 1;

    List<Headset> headsets = new ArrayList<>();
    for (int r = 0; r < rooms; r++) {
      for (int i = 0; i < perRoom; i++) {
        if (headsets.size() % 5 == 0) {
          CLIENTS.add(HttpClient.newHttpClient());
        }
        Headset h = new Headset("room:xrbench-" + run + "-" + r, i, perRoom);
        h.connect(url, token);
        if (i == 0 && roomHz > 0) {
          // the room's own tick rate (protocol addition `settings`); its ok is not waited for
          h.send(
              "{\"version\":1,\"type\":\"settings\",\"ref\":3,\"session\":\""
                  + h.room
                  + "\",\"payload\":{\"tickHz\":"
                  + roomHz
                  + "}}");
        }
        headsets.add(h);
      }
    }
    long base = BASE;
    int threads = 4;
    ScheduledExecutorService senders = Executors.newScheduledThreadPool(threads);
    for (int k = 0; k < threads; k++) {
      int from = k;
      senders.scheduleAtFixedRate(
          () -> {
            double now = (System.nanoTime() - base) / 1e9;
            for (int i = from; i < headsets.size(); i += threads) {
              headsets.get(i).sendPose(now);
            }
          },
          0,
          1_000_000 / hz,
          TimeUnit.MICROSECONDS);
    }
    // warm-up, then the measured window
    TimeUnit.SECONDS.sleep(3);
    long cpu0 = pid == null ? 0 : cpuTicks(pid);
    long sent0 = SENT.get();
    measuring = true;
    long t0 = System.nanoTime();
    TimeUnit.SECONDS.sleep(seconds);
    measuring = false;
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long cpu1 = pid == null ? 0 : cpuTicks(pid);
    long sent = SENT.get() - sent0;
    senders.shutdownNow();

    int receivers = headsets.size();
    System.out.printf(
        Locale.ROOT,
        "%d rooms x %d headsets at %d Hz, room tick %s, %.1f s measured%n",
        rooms,
        perRoom,
        hz,
        roomHz > 0 ? roomHz + " Hz" : "the node's default",
        elapsed);
    System.out.printf(
        Locale.ROOT,
        "poses in: %.0f/s (%.0f/s dropped by the senders' own backpressure)%n",
        sent / elapsed,
        SKIPPED.get() / elapsed);
    System.out.printf(
        Locale.ROOT,
        "per receiver: %.1f frames/s, %.0f bytes/s%n",
        FRAMES.get() / elapsed / receivers,
        BYTES.get() / elapsed / receivers);
    System.out.printf(
        Locale.ROOT,
        "frames carrying every other member of the room: %.1f%%%n",
        100.0 * FULL_FRAMES.get() / Math.max(1, FRAMES.get()));
    System.out.printf(
        Locale.ROOT,
        "pose latency (sender clock to receiver): p50 %.1f ms, p99 %.1f ms%n",
        percentile(0.50),
        percentile(0.99));
    if (pid != null) {
      // clock ticks are 1/100 s on Linux
      System.out.printf(
          Locale.ROOT, "node CPU: %.0f%% of one core%n", (cpu1 - cpu0) / elapsed);
    }
    headsets.forEach(Headset::close);
    System.exit(0);
  }

  private static long cpuTicks(String pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", pid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static double percentile(double p) {
    long total = 0;
    for (int i = 0; i < LATENCY.length(); i++) {
      total += LATENCY.get(i);
    }
    long rank = (long) Math.ceil(p * total);
    long seen = 0;
    for (int i = 0; i < LATENCY.length(); i++) {
      seen += LATENCY.get(i);
      if (seen >= rank && total > 0) {
        return i / 10.0;
      }
    }
    return Double.NaN;
  }

  private static final class Headset implements WebSocket.Listener {
    private final String room;
    private final double angle;
    private WebSocket ws;
    private final StringBuilder text = new StringBuilder();
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private volatile boolean ready;

    Headset(String room, int index, int of) {
      this.room = room;
      this.angle = 2 * Math.PI * index / of;
    }

    void connect(String url, String token) throws Exception {
      ws = CLIENTS.get(CLIENTS.size() - 1).newWebSocketBuilder().buildAsync(URI.create(url), this).get(10, TimeUnit.SECONDS);
      send(
          "{\"version\":1,\"type\":\"hello\",\"ref\":1,\"payload\":{\"token\":\""
              + token
              + "\",\"client\":{\"name\":\"bench\",\"kind\":\"xr\"}}}");
      send(
          "{\"version\":1,\"type\":\"join\",\"ref\":2,\"session\":\""
              + room
              + "\",\"payload\":{\"role\":\"editor\"}}");
      joined.get(30, TimeUnit.SECONDS);
      ready = true;
    }

    private CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);

    synchronized void send(String s) {
      lastSend.join();
      lastSend = ws.sendText(s, true);
    }

    /** Sends unless the previous frame is still being written (a headset drops, never queues). */
    synchronized boolean trySend(String s) {
      if (!lastSend.isDone()) {
        return false;
      }
      lastSend = ws.sendText(s, true);
      return true;
    }

    void sendPose(double seconds) {
      if (!ready) {
        return;
      }
      double x = 4 * Math.cos(angle);
      double z = 4 * Math.sin(angle);
      // looks toward the centre, turning its head by up to 60 degrees either way
      double yaw = Math.atan2(x, z) + Math.toRadians(60) * Math.sin(seconds * 0.7 + angle);
      double qy = Math.sin(yaw / 2);
      double qw = Math.cos(yaw / 2);
      double t = (System.nanoTime() - BASE) / 1e6;
      // built by hand: String.format would make the generator the bottleneck
      StringBuilder b = new StringBuilder(300);
      b.append("{\"version\":1,\"type\":\"pose\",\"session\":\"").append(room);
      b.append("\",\"payload\":{\"t\":").append(round(t, 1000));
      b.append(",\"head\":{\"p\":[").append(round(x, 1000)).append(",1.6,").append(round(z, 1000));
      b.append("],\"q\":[0,").append(round(qy, 10000)).append(",0,").append(round(qw, 10000));
      b.append("]},\"left\":{\"p\":[").append(round(x - 0.3, 1000)).append(",1.1,");
      b.append(round(z, 1000)).append("],\"q\":[0,0,0,1]},\"right\":{\"p\":[");
      b.append(round(x + 0.3, 1000)).append(",1.1,").append(round(z, 1000));
      b.append("],\"q\":[0,0,0,1]}}}");
      String pose = b.toString();
      boolean sent = trySend(pose);
      if (measuring) {
        (sent ? SENT : SKIPPED).incrementAndGet();
      }
    }

    private static double round(double v, double scale) {
      return Math.round(v * scale) / scale;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String frame = text.toString();
        text.setLength(0);
        if (frame.startsWith("{\"version\":1,\"type\":\"poses\"")) {
          if (measuring) {
            double now = (System.nanoTime() - BASE) / 1e6;
            FRAMES.incrementAndGet();
            BYTES.addAndGet(frame.length());
            Matcher m = T.matcher(frame);
            int poses = 0;
            while (m.find()) {
              int bucket = (int) Math.round((now - Double.parseDouble(m.group(1))) * 10);
              LATENCY.incrementAndGet(Math.max(0, Math.min(LATENCY.length() - 1, bucket)));
              poses++;
            }
            if (poses >= othersPerRoom) {
              FULL_FRAMES.incrementAndGet();
            }
          }
        } else if (frame.contains("\"type\":\"snapshot\"")) {
          joined.complete(null);
        } else if (frame.contains("\"type\":\"ping\"")) {
          String t = frame.replaceAll(".*\"t\":([0-9.E+-]+).*", "$1");
          CompletableFuture.runAsync(
              () ->
                  send(
                      "{\"version\":1,\"type\":\"pong\",\"payload\":{\"t\":" + t + "}}"));
        } else if (frame.contains("\"type\":\"error\"")) {
          System.err.println("error frame: " + frame.replaceAll("\"token\":\"[^\"]*\"", ""));
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      webSocket.request(1);
      return null;
    }

    void close() {
      ws.abort();
    }
  }
}
