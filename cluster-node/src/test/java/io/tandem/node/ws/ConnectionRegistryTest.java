package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.LocalActors;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A leaving node first refuses new connections and keeps its open ones working while it hands its
 * sessions off; only then are they told to drain. A connection that registers once new ones are
 * refused (its upgrade raced the refusal) is told to drain at once.
 */
class ConnectionRegistryTest {
  private static final ActorTestKit KIT =
      ActorTestKit.create("ConnectionRegistryTest", LocalActors.config());

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void refusingNewConnectionsLeavesTheOpenOnesUntilTheDrain() {
    ConnectionRegistry registry = new ConnectionRegistry();
    TestProbe<ConnectionActor.Command> open = KIT.createTestProbe();
    registry.register(open.ref());
    assertFalse(registry.draining());

    registry.refuseNew();
    assertTrue(registry.draining(), "new upgrades are refused");
    open.expectNoMessage(Duration.ofMillis(200));

    TestProbe<ConnectionActor.Command> late = KIT.createTestProbe();
    registry.register(late.ref());
    late.expectMessage(ConnectionActor.Drain.INSTANCE);

    registry.drainAll();
    open.expectMessage(ConnectionActor.Drain.INSTANCE);
  }
}
