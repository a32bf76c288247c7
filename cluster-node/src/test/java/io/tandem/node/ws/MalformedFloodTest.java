package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.RawWs;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The 1008 close of protocol section 3 arrives also while malformed frames keep coming without a
 * pause, from a client that writes as fast as its socket takes frames and reads meanwhile.
 */
class MalformedFloodTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  MalformedFloodTest() {
    super();
  }

  private RawWs open(boolean hello) throws Exception {
    RawWs ws = RawWs.connect(node.wsUrl(), Map.of("Sec-WebSocket-Protocol", "tandem.v1.json"));
    assertEquals(101, ws.status());
    if (hello) {
      ws.text(
          "{\"version\":1,\"type\":\"hello\",\"ref\":1,\"payload\":{\"token\":\""
              + node.token("flooder", "room:*:write")
              + "\"}}");
      ws.flush();
      assertTrue(ws.pollText(WAIT).contains("welcome"));
    }
    return ws;
  }

  /** Floods until the close arrives (or the socket fails); returns the close code. */
  private int flood(RawWs ws, byte[] garbage, boolean binary) {
    long until = System.nanoTime() + WAIT.toNanos();
    int sent = 0;
    long started = System.nanoTime();
    while (!ws.isClosed() && System.nanoTime() < until) {
      try {
        if (binary) {
          ws.binary(garbage);
        } else {
          ws.raw(new byte[0]);
          ws.frame(0x1, garbage, true);
        }
        sent++;
        if (sent % 8 == 0) {
          ws.flush();
        }
      } catch (java.io.IOException closedMeanwhile) {
        break; // the server closed the socket
      }
    }
    int code = ws.awaitClose(WAIT);
    System.out.printf(
        "flood of %d-byte frames: %d sent, close %d after %d ms%n",
        garbage.length, sent, code, (System.nanoTime() - started) / 1_000_000);
    return code;
  }

  @RepeatedTest(4)
  void aFloodOfSmallMalformedFramesGetsThe1008Close() throws Exception {
    try (RawWs ws = open(true)) {
      assertEquals(1008, flood(ws, "garbage".getBytes(), false));
    }
  }

  @RepeatedTest(4)
  void aFloodOfLargeMalformedFramesGetsThe1008Close() throws Exception {
    byte[] big = new byte[60_000];
    java.util.Arrays.fill(big, (byte) 'x');
    try (RawWs ws = open(true)) {
      assertEquals(1008, flood(ws, big, false));
    }
  }

  @RepeatedTest(4)
  void aFloodOfMalformedCborBeforeHelloGetsThe1008Close() throws Exception {
    try (RawWs ws = open(false)) {
      assertEquals(1008, flood(ws, new byte[] {(byte) 0xff, 0x01, 0x02}, true));
    }
  }

  @RepeatedTest(3)
  void aFloodFromTheJavaClientGetsThe1008Close() {
    try (WsClient c = WsClient.connect(node.wsUrl(), "tandem.v1.json")) {
      c.hello(node.token("flooder", "room:*:write"));
      long until = System.nanoTime() + WAIT.toNanos();
      int sent = 0;
      while (!c.isClosed() && System.nanoTime() < until) {
        try {
          c.sendRaw("garbage " + sent++);
        } catch (RuntimeException closedMeanwhile) {
          break;
        }
      }
      assertEquals(1008, c.awaitClose(WAIT), "after " + sent + " frames");
    }
  }
}
