package io.tandem.node.ws;

import io.tandem.node.testing.Abuse;
import io.tandem.node.testing.OneNodeTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The seeded abuse suite of issue 18, bounded to about a minute of hostile traffic: hostile clients
 * ({@link Abuse}) against a node of its own, then the node is healthy, the target room is
 * unchanged, its members saw nothing of it, and a normal client joins and edits. The seed is
 * printed; {@code -Dtandem.abuse.seed=<n>} runs the same clients again. The longer run is {@code
 * AbuseBench} (bench/abuse.sh).
 */
class AbuseSuiteTest extends OneNodeTest {
  /** Frames past this many bytes get too_big; past the close size, 1009. */
  private static final int MAX_FRAME_BYTES = 65536;

  private static final int CLOSE_FRAME_BYTES = 1 << 20;

  AbuseSuiteTest() {
    super(
        "tandem.ws.max-frame-bytes = " + MAX_FRAME_BYTES,
        "tandem.ws.close-frame-bytes = " + CLOSE_FRAME_BYTES,
        "tandem.map.max-value-bytes = 32768");
  }

  @Test
  void hostileClientsChangeNothingAndReachNoOne() throws Exception {
    long seed = Abuse.seed();
    System.out.println(
        "abuse suite seed " + seed + " (rerun with -Dtandem.abuse.seed=" + seed + ")");
    Abuse abuse =
        new Abuse(
            node.wsUrl(),
            node.httpUrl(),
            node::token,
            new Abuse.Options(
                seed,
                200_000,
                Duration.ofSeconds(40),
                6,
                2,
                MAX_FRAME_BYTES,
                CLOSE_FRAME_BYTES,
                0.2));
    try {
      abuse.setUp();
      abuse.run();
      abuse.closeInsiders();
      System.out.print(abuse.report());
      abuse.verify();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("abuse suite, seed " + seed + ": " + e.getMessage(), e);
    } finally {
      abuse.close();
    }
  }
}
