package io.tandem.node.xr;

import static io.tandem.node.xr.InterestTest.LOOK_AHEAD;
import static io.tandem.node.xr.InterestTest.LOOK_LEFT;
import static io.tandem.node.xr.InterestTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gaze order of objects: angle from the gaze first, then distance, then id. */
class GazeTest {

  static Map<String, double[]> objects(Object... idXyz) {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (int i = 0; i < idXyz.length; i += 4) {
      out.put(
          (String) idXyz[i],
          new double[] {
            ((Number) idXyz[i + 1]).doubleValue(),
            ((Number) idXyz[i + 2]).doubleValue(),
            ((Number) idXyz[i + 3]).doubleValue()
          });
    }
    return out;
  }

  static List<String> ids(List<Gaze.Ranked> ranking) {
    return ranking.stream().map(Gaze.Ranked::id).toList();
  }

  @Test
  void objectsClosestToTheGazeComeFirst() {
    // the head is at (0, 1.6, 0) looking along -Z
    List<Gaze.Ranked> r =
        Gaze.rank(
            at(0, 0, LOOK_AHEAD),
            objects("behind", 0, 1.6, 3, "side", 3, 1.6, -3, "ahead", 0, 1.6, -3));
    assertEquals(List.of("ahead", "side", "behind"), ids(r));
    assertEquals(0, r.get(0).degrees(), 1e-6);
    assertEquals(45, r.get(1).degrees(), 1e-6);
    assertEquals(180, r.get(2).degrees(), 1e-6);
    assertEquals(3, r.get(0).distance(), 1e-6);
  }

  @Test
  void equalAnglesAreOrderedByDistance() {
    List<Gaze.Ranked> r =
        Gaze.rank(at(0, 0, LOOK_AHEAD), objects("far", 0, 1.6, -9, "near", 0, 1.6, -1));
    assertEquals(List.of("near", "far"), ids(r));
  }

  @Test
  void turningReordersThem() {
    Map<String, double[]> o = objects("ahead", 0, 1.6, -3, "left", -3, 1.6, 0);
    assertEquals(List.of("ahead", "left"), ids(Gaze.rank(at(0, 0, LOOK_AHEAD), o)));
    assertEquals(List.of("left", "ahead"), ids(Gaze.rank(at(0, 0, LOOK_LEFT), o)));
  }

  @Test
  void withoutAGazeObjectsComeInIdOrder() {
    Map<String, double[]> o = objects("c", 0, 1.6, -3, "a", 0, 1.6, 3, "b", 9, 0, 0);
    List<Gaze.Ranked> none = Gaze.rank(null, o);
    assertEquals(List.of("a", "b", "c"), ids(none));
    assertFalse(none.get(0).hasGaze());
    assertEquals(List.of("a", "b", "c"), ids(Gaze.rank(at(0, 0, null), o)), "no rotation");
    assertTrue(Gaze.rank(at(0, 0, LOOK_AHEAD), o).get(0).hasGaze());
  }
}
