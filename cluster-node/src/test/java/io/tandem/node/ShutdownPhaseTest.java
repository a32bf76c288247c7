package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shutdown phase that hands the shards off and drains the WebSockets is never shorter than the
 * hand-off bound plus the drain's margin: a longer bound would otherwise be cut off by the phase.
 */
class ShutdownPhaseTest {

  private static Duration phaseWith(String lines) {
    Config base = ConfigFactory.parseString(lines).withFallback(ConfigFactory.load());
    return Main.clusterOverrides(base)
        .getDuration("pekko.coordinated-shutdown.phases.before-service-unbind.timeout");
  }

  @Test
  void theConfiguredTimeoutStaysWhenItLeavesRoomForTheHandOff() {
    // defaults: hand-off 10 s + 10 s of drain fit in the configured 20 s
    assertEquals(Duration.ofSeconds(20), phaseWith(""));
    assertEquals(
        Duration.ofSeconds(45),
        phaseWith("pekko.coordinated-shutdown.phases.before-service-unbind.timeout = 45s"));
  }

  @Test
  void aLongerHandOffRaisesThePhaseTimeout() {
    assertEquals(Duration.ofSeconds(40), phaseWith("tandem.cluster.hand-off-before-drain = 30s"));
    assertEquals(Duration.ofSeconds(70), phaseWith("tandem.cluster.hand-off-before-drain = 60s"));
  }
}
