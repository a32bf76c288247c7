package io.tandem.node.xr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectTransform;
import io.tandem.node.room.ObjectView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A hub's view of where a room's objects are: views replace it unless older, changes follow it in
 * seq order, a gap forgets it until a view is asked for (once) and arrives, live moves re-rank.
 */
class FocusRankerTest {

  private static ObjectView at(double x, double y, double z) {
    return new ObjectView("asset", new ObjectTransform(List.of(x, y, z), null, null), null);
  }

  /** A head at the origin looking along -Z (WebXR's forward). */
  private static final MemberPose LOOKING_AHEAD =
      new MemberPose(
          null,
          new MemberPose.Part(List.of(0.0, 0.0, 0.0), List.of(0.0, 0.0, 0.0, 1.0)),
          null,
          null);

  private static List<String> order(FocusRanker r) {
    return r.rank(LOOKING_AHEAD).stream().map(Gaze.Ranked::id).toList();
  }

  @Test
  void unknownUntilAViewArrivesAndTheViewIsAskedForOnce() {
    FocusRanker r = new FocusRanker();
    assertFalse(r.known());
    assertTrue(r.askForView());
    assertFalse(r.askForView(), "asked already");
    r.viewAnswered();
    assertTrue(r.askForView(), "the answer (or the room) was lost: ask again");
    r.view(3, Map.of("ahead", at(0, 0, -2), "behind", at(0, 0, 2)));
    assertTrue(r.known());
    assertFalse(r.askForView());
    assertEquals(List.of("ahead", "behind"), order(r));
  }

  @Test
  void anOlderViewIsIgnoredAndChangesFollowInSeqOrder() {
    FocusRanker r = new FocusRanker();
    r.view(5, Map.of("a", at(0, 0, -2), "b", at(0, 0, 2)));
    r.view(4, Map.of());
    assertEquals(List.of("a", "b"), order(r), "the older view changed nothing");
    assertEquals(FocusRanker.Followed.UNCHANGED, r.follow(5, 5, Map.of("a", at(0, 0, 2))));
    assertEquals(FocusRanker.Followed.UNCHANGED, r.follow(6, 6, null), "a document edit");
    Map<String, ObjectView> moved = new HashMap<>();
    moved.put("a", at(0, 0, 2));
    moved.put("b", at(0, 0, -2));
    moved.put("c", null);
    assertEquals(FocusRanker.Followed.MOVED, r.follow(7, 7, moved));
    assertEquals(List.of("b", "a"), order(r));
    Map<String, ObjectView> removed = new HashMap<>();
    removed.put("a", null);
    assertEquals(FocusRanker.Followed.MOVED, r.follow(8, 8, removed));
    assertEquals(List.of("b"), order(r));
  }

  @Test
  void aGapForgetsThePositionsUntilAFreshView() {
    FocusRanker r = new FocusRanker();
    r.view(5, Map.of("a", at(0, 0, -2)));
    assertEquals(FocusRanker.Followed.LOST, r.follow(7, 7, Map.of("a", at(1, 0, 0))));
    assertFalse(r.known());
    assertEquals(FocusRanker.Followed.UNCHANGED, r.follow(8, 8, Map.of("a", at(1, 0, 0))));
    assertTrue(r.askForView());
    r.view(8, Map.of("a", at(0, 0, 2)));
    assertTrue(r.known());
  }

  @Test
  void liveMovesOfKnownObjectsReRank() {
    FocusRanker r = new FocusRanker();
    assertFalse(r.moveLive(Map.of("a", at(0, 0, 1))), "positions unknown");
    r.view(1, Map.of("a", at(0, 0, -2), "b", at(0, 0, -3)));
    assertFalse(r.moveLive(null));
    assertFalse(r.moveLive(Map.of("unknown", at(0, 0, 1))));
    assertTrue(r.moveLive(Map.of("a", at(0, 0, 2))));
    assertEquals(List.of("b", "a"), order(r));
  }
}
