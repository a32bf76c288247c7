package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The balancer's arithmetic: when a node sheds connections, and how many per round. */
class ConnectionBalancerTest {
  @Test
  void aNodeWithinTheToleranceOfTheEvenShareShedsNothing() {
    // 3 nodes, 300 connections: even 100, limit 125
    assertEquals(0, ConnectionBalancer.toShed(125, 300, 3, 0.25, 100, 0));
    assertEquals(0, ConnectionBalancer.toShed(100, 300, 3, 0.25, 100, 0));
    assertEquals(0, ConnectionBalancer.toShed(0, 300, 3, 0.25, 100, 0));
  }

  @Test
  void aLoneNodeNeverSheds() {
    assertEquals(0, ConnectionBalancer.toShed(500, 500, 1, 0.25, 100, 0));
  }

  @Test
  void aNodeOverTheLimitShedsHalfItsExcessPerRound() {
    // everyone on the first of three nodes after scaling 1 -> 3: even 66.7, limit 84, excess 116
    assertEquals(58, ConnectionBalancer.toShed(200, 200, 3, 0.25, 100, 0));
    // one over the limit (even 100.3, limit 126) still sheds one
    assertEquals(1, ConnectionBalancer.toShed(127, 301, 3, 0.25, 100, 0));
  }

  @Test
  void aNodeWithFewerThanMinConnectionsNeverSheds() {
    // 49 of 49 on one of two nodes: far over the even share, but under the minimum of 50
    assertEquals(0, ConnectionBalancer.toShed(49, 49, 2, 0.25, 100, 50));
    assertEquals(9, ConnectionBalancer.toShed(50, 50, 2, 0.25, 100, 50));
  }

  @Test
  void aRoundShedsAtMostMaxPerRound() {
    assertEquals(10, ConnectionBalancer.toShed(2000, 2000, 2, 0.25, 10, 0));
  }

  @Test
  void maxPerRoundIsTheRateOverOneInterval() {
    var settings =
        new ConnectionBalancer.Settings(
            true, Duration.ofSeconds(5), 0.25, 20, Duration.ofSeconds(20), 0);
    assertEquals(100, settings.maxPerRound());
    var fast =
        new ConnectionBalancer.Settings(
            true, Duration.ofMillis(100), 0.25, 5, Duration.ofSeconds(20), 0);
    assertEquals(1, fast.maxPerRound());
  }

  @Test
  void nonsenseSettingsAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ConnectionBalancer.Settings(true, Duration.ZERO, 0.25, 20, Duration.ZERO, 0));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ConnectionBalancer.Settings(true, Duration.ofSeconds(1), -1, 20, Duration.ZERO, 0));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ConnectionBalancer.Settings(
                true, Duration.ofSeconds(1), 0.25, 0, Duration.ZERO, 0));
  }
}
