package io.tandem.node.fanout;

import io.tandem.node.testing.OneNodeTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A hub's rejoin that reaches no entity (here: the stopping incarnation's mailbox; a shard's
 * hand-off drops them the same way) comes back from the node's dead letters and goes again a moment
 * later, with no periodic resend: the member's changes are accepted again within seconds, not after
 * the 20 s join timeout. Without {@code UndeliveredRequests} the room answers not_joined ("moving
 * to another node") until that timeout.
 */
class UndeliveredJoinTest extends OneNodeTest {
  UndeliveredJoinTest() {
    super(
        "tandem.http.ask-timeout = 20s",
        "tandem.cluster.join-resend-interval = 0s",
        "tandem.ws.max-frames-per-second = 10000");
  }

  @Test
  void aMemberIsBackSoonAfterItsRoomsEntityStoppedWithoutPeriodicResends() {
    JoinResendTest.assertBackSoonAfterTheEntityStopped(node, Duration.ofSeconds(5));
  }
}
