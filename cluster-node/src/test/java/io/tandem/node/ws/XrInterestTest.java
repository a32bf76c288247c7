package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Interest management end to end (defaults: 2 m radius, 110 degree view cone, a quarter of the rate
 * outside): a receiver gets the member it looks at in every tick and the one behind it in about
 * every fourth; when it turns around, the one now in front is back at the full rate from the next
 * tick on.
 */
class XrInterestTest extends OneNodeTest {

  XrInterestTest() {
    super("tandem.xr.interest = true\ntandem.xr.reduced-every = 4");
  }

  private static final double[] AHEAD = {0, 0, 0, 1};
  private static final double[] BACK = {0, 1, 0, 0};

  private record Count(int frames, int withFront, int withBehind, long bytes) {}

  /** Reads {@code n} poses frames and counts those holding each member. */
  private static Count read(WsClient r, int n, String front, String behind) {
    int a = 0;
    int b = 0;
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      JsonNode f = r.await(x -> "poses".equals(x.path("type").asText()), Duration.ofSeconds(10));
      bytes += f.toString().length();
      a += f.at("/payload/poses").has(front) ? 1 : 0;
      b += f.at("/payload/poses").has(behind) ? 1 : 0;
    }
    return new Count(n, a, b, bytes);
  }

  @Test
  void lookingAwayReducesTheRateAndTurningBackRestoresItWithinOneTick() throws Exception {
    String room = "room:interest-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    List<WsClient> clients = new ArrayList<>();
    try {
      WsClient receiver = WsClient.connect(node.wsUrl());
      WsClient front = WsClient.connect(node.wsUrl());
      WsClient behind = WsClient.connect(node.wsUrl());
      clients.addAll(List.of(receiver, front, behind));
      XrWebSocketTest.joinXr(receiver, token, room, null);
      String frontId = XrWebSocketTest.joinXr(front, token, room, null);
      String behindId = XrWebSocketTest.joinXr(behind, token, room, null);
      receiver.send(XrWebSocketTest.pose(receiver, room, 0, 0, 0, AHEAD));
      AtomicInteger k = new AtomicInteger();
      sender.scheduleAtFixedRate(
          () -> {
            int t = k.incrementAndGet();
            front.send(XrWebSocketTest.pose(front, room, t, 0, -5, AHEAD));
            behind.send(XrWebSocketTest.pose(behind, room, t, 0, 5, AHEAD));
          },
          0,
          11,
          TimeUnit.MILLISECONDS);
      read(receiver, 5, frontId, behindId); // settle
      Count looking = read(receiver, 40, frontId, behindId);
      // the senders run on a shared machine: a tick in which one of them sent nothing has no
      // pose of it, so "every tick" is checked as "nearly every tick"
      assertTrue(looking.withFront() >= 32, "in view: every tick, got " + looking);
      assertTrue(
          looking.withBehind() >= 6 && looking.withBehind() <= 14,
          "behind: about a quarter of the ticks, got " + looking);

      // turn around: from the next tick, the one behind is in view
      receiver.send(XrWebSocketTest.pose(receiver, room, 1, 0, 0, BACK));
      List<Boolean> behindSeen = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        JsonNode f =
            receiver.await(x -> "poses".equals(x.path("type").asText()), Duration.ofSeconds(10));
        behindSeen.add(f.at("/payload/poses").has(behindId));
      }
      // the frame already queued and the tick the turn arrives in may still be the old view
      int firstOfRun = behindSeen.indexOf(true);
      assertTrue(firstOfRun >= 0 && firstOfRun <= 2, "restored at frame " + firstOfRun);
      long fullRate = behindSeen.subList(2, 30).stream().filter(x -> x).count();
      // at full rate it is in nearly every frame (a tick where its sender's pose had not changed
      // yet leaves it out); at the reduced rate it would be in about 7 of these 28
      assertTrue(fullRate >= 20, "full rate after the turn: " + behindSeen);
      Count turned = read(receiver, 40, frontId, behindId);
      assertTrue(turned.withFront() <= 14, "now the other one is reduced: " + turned);
      double full = (double) looking.bytes() / looking.frames();
      System.out.printf(
          "interest: %d of %d frames carried the member behind; bytes per frame %.0f%n",
          looking.withBehind(), looking.frames(), full);
    } finally {
      sender.shutdownNow();
      clients.forEach(WsClient::close);
    }
  }
}
