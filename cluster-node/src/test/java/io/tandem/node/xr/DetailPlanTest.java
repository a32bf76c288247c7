package io.tandem.node.xr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-room recommendation for one receiver: the focus cone at once, the ramp in gaze order, the
 * budget, the hysteresis at its boundary, and everything low when the connection is low.
 */
class DetailPlanTest {
  private static final long MS = 1_000_000;

  /** Focus cone 30 degrees (15 each side), a ramp step of 250 ms, hysteresis 5 degrees. */
  static XrSettings settings(int budget) {
    XrSettings d = XrSettings.DEFAULTS;
    return new XrSettings(
        d.interest(),
        d.radius(),
        d.coneDegrees(),
        d.reducedEvery(),
        d.lowerAfter(),
        d.raiseAfter(),
        d.maxRttForHigh(),
        d.participantGrace(),
        d.participantSnapshotEvery(),
        d.maxAssetBytes(),
        30,
        budget,
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        5);
  }

  /** A ranking from (id, degrees) pairs, sorted by degrees as {@link Gaze#rank} would. */
  static List<Gaze.Ranked> ranking(Object... idDegrees) {
    List<Gaze.Ranked> out = new ArrayList<>();
    for (int i = 0; i < idDegrees.length; i += 2) {
      out.add(new Gaze.Ranked((String) idDegrees[i], ((Number) idDegrees[i + 1]).doubleValue(), 2));
    }
    out.sort((a, b) -> Double.compare(a.degrees(), b.degrees()));
    return out;
  }

  static List<String> high(Map<String, String> plan) {
    return plan.entrySet().stream()
        .filter(e -> e.getValue().equals("high"))
        .map(e -> e.getKey())
        .toList();
  }

  @Test
  void objectsInTheFocusConeAreHighAtOnceAndTheOthersFollowOneEveryStepInGazeOrder() {
    DetailPlan plan = new DetailPlan(settings(4));
    List<Gaze.Ranked> r =
        ranking("far", 90, "centre", 2, "near-centre", 12, "side", 40, "back", 170);
    long t0 = 1_000 * MS;
    Map<String, String> first = plan.plan(Lod.HIGH, r, t0);
    assertEquals(
        List.of("centre", "near-centre", "side", "far", "back"),
        List.copyOf(first.keySet()),
        "every object, in gaze order");
    assertEquals(List.of("centre", "near-centre"), high(first));
    assertTrue(plan.ramping());
    assertEquals(List.of("centre", "near-centre"), high(plan.plan(Lod.HIGH, r, t0 + 249 * MS)));
    assertEquals(
        List.of("centre", "near-centre", "side"), high(plan.plan(Lod.HIGH, r, t0 + 250 * MS)));
    assertEquals(
        List.of("centre", "near-centre", "side", "far"),
        high(plan.plan(Lod.HIGH, r, t0 + 500 * MS)));
    assertFalse(plan.ramping(), "the budget (4) is reached");
    assertEquals(
        List.of("centre", "near-centre", "side", "far"),
        high(plan.plan(Lod.HIGH, r, t0 + 5_000 * MS)),
        "never more than the budget");
  }

  @Test
  void theBudgetCapsTheFocusConeToo() {
    DetailPlan plan = new DetailPlan(settings(2));
    List<Gaze.Ranked> r = ranking("a", 1, "b", 3, "c", 5, "d", 7);
    assertEquals(List.of("a", "b"), high(plan.plan(Lod.HIGH, r, 0)));
    assertEquals(List.of("a", "b"), high(plan.plan(Lod.HIGH, r, 10_000 * MS)));
  }

  @Test
  void aLowConnectionGetsEveryObjectLowAndTheRampStartsAgainAfterTheRaise() {
    DetailPlan plan = new DetailPlan(settings(8));
    List<Gaze.Ranked> r = ranking("a", 1, "b", 50, "c", 100);
    plan.plan(Lod.HIGH, r, 0);
    assertEquals(List.of("a", "b", "c"), high(plan.plan(Lod.HIGH, r, 2_000 * MS)));
    Map<String, String> low = plan.plan(Lod.LOW, r, 3_000 * MS);
    assertEquals(Map.of("a", "low", "b", "low", "c", "low"), low);
    assertEquals(List.of("a"), high(plan.plan(Lod.HIGH, r, 9_000 * MS)), "the gaze centre first");
    assertEquals(List.of("a", "b"), high(plan.plan(Lod.HIGH, r, 9_250 * MS)));
  }

  @Test
  void restartRampAfterARaiseThatWasNotPlanned() {
    DetailPlan plan = new DetailPlan(settings(8));
    List<Gaze.Ranked> r = ranking("a", 1, "b", 50);
    plan.plan(Lod.HIGH, r, 1_000 * MS);
    assertEquals(List.of("a", "b"), high(plan.plan(Lod.HIGH, r, 5_000 * MS)));
    plan.restartRamp();
    assertEquals(List.of("a"), high(plan.plan(Lod.HIGH, r, 6_000 * MS)));
  }

  @Test
  void withoutAGazeObjectsRampUpInIdOrderWithinTheBudget() {
    DetailPlan plan = new DetailPlan(settings(2));
    List<Gaze.Ranked> r =
        List.of(
            new Gaze.Ranked("a", Double.NaN, Double.NaN),
            new Gaze.Ranked("b", Double.NaN, Double.NaN),
            new Gaze.Ranked("c", Double.NaN, Double.NaN));
    assertEquals(List.of(), high(plan.plan(Lod.HIGH, r, 0)), "no focus cone without a gaze");
    assertEquals(List.of("a"), high(plan.plan(Lod.HIGH, r, 250 * MS)));
    assertEquals(List.of("a", "b"), high(plan.plan(Lod.HIGH, r, 500 * MS)));
    assertEquals(List.of("a", "b"), high(plan.plan(Lod.HIGH, r, 5_000 * MS)));
  }

  @Test
  void anObjectAtTheBudgetBoundaryDoesNotFlapAsTheHeadJitters() {
    DetailPlan plan = new DetailPlan(settings(1));
    plan.plan(Lod.HIGH, ranking("a", 20, "b", 22), 0); // the ramp starts; neither is in focus
    long t = 1_000 * MS;
    assertEquals(List.of("a"), high(plan.plan(Lod.HIGH, ranking("a", 20, "b", 22), t)));
    // the head jitters: b is now a little closer to the gaze than a, by less than 5 degrees
    for (int i = 0; i < 10; i++) {
      t += 100 * MS;
      List<Gaze.Ranked> jitter = i % 2 == 0 ? ranking("a", 22, "b", 19) : ranking("a", 20, "b", 21);
      Map<String, String> p = plan.plan(Lod.HIGH, jitter, t);
      assertEquals(List.of("a"), high(p), "a keeps its place at " + jitter);
    }
    // a real turn: b is closer by more than the hysteresis
    assertEquals(List.of("b"), high(plan.plan(Lod.HIGH, ranking("a", 30, "b", 10), t + 100 * MS)));
    // and now b keeps it in turn
    assertEquals(List.of("b"), high(plan.plan(Lod.HIGH, ranking("a", 12, "b", 15), t + 200 * MS)));
  }
}
