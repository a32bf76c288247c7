package io.tandem.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The cluster's start and stop bounds: their defaults, and values outside 0 to 1 minute refused.
 */
class ClusterSettingsTest {

  private static ClusterSettings with(String line) {
    Config config = ConfigFactory.parseString(line).withFallback(ConfigFactory.load());
    return ClusterSettings.fromConfig(config);
  }

  @Test
  void defaults() {
    ClusterSettings settings = ClusterSettings.fromConfig(ConfigFactory.load());
    assertEquals(Duration.ofSeconds(10), settings.warmUp());
    assertEquals(Duration.ofSeconds(10), settings.handOffBeforeDrain());
  }

  @Test
  void zeroTurnsEitherOff() {
    assertEquals(Duration.ZERO, with("tandem.cluster.warm-up = 0s").warmUp());
    assertEquals(
        Duration.ZERO, with("tandem.cluster.hand-off-before-drain = 0s").handOffBeforeDrain());
  }

  @Test
  void theLongestBoundIsAccepted() {
    assertEquals(Duration.ofMinutes(1), with("tandem.cluster.warm-up = 60s").warmUp());
  }

  @Test
  void aNegativeOrTooLongBoundIsRefusedWithItsName() {
    for (String line :
        new String[] {
          "tandem.cluster.warm-up = -1s",
          "tandem.cluster.warm-up = 61s",
          "tandem.cluster.hand-off-before-drain = -1ms",
          "tandem.cluster.hand-off-before-drain = 2m"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> with(line), line);
      String path = line.substring(0, line.indexOf(' '));
      assertTrue(e.getMessage().startsWith(path + " must be between 0s and 60s"), e.getMessage());
    }
  }
}
