package io.tandem.node.xr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectTransform;
import io.tandem.node.room.ObjectView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A room's live motion: what a tick carries (the poses and live moves since the last, in arrival
 * order), live views ahead of the durable ones until a durable change, and the recorded ticks that
 * wait for their write.
 */
class RoomMotionTest {

  record Recorded(
      long afterSeq,
      long tick,
      long ts,
      Map<String, MemberPose> poses,
      Map<String, ObjectView> objects) {}

  private static MemberPose pose(double t) {
    return new MemberPose(t, null, null, null);
  }

  private static ObjectView view(String holder) {
    return new ObjectView("asset", new ObjectTransform(List.of(1.0, 2.0, 3.0), null, null), holder);
  }

  @Test
  void aTickCarriesWhatMovedSinceTheLastInArrivalOrderAndNothingMovedIsNoTick() {
    RoomMotion<Recorded> m = new RoomMotion<>(Recorded::new);
    assertFalse(m.moving());
    assertNull(m.tick(0, 100), "nothing moved: no tick");
    m.pose("b", pose(1));
    m.pose("a", pose(2));
    m.pose("b", pose(3));
    m.move("cube", view("a"), 50);
    assertTrue(m.moving());
    Recorded first = m.tick(7, 100);
    assertEquals(new Recorded(7, 1, 100, first.poses(), first.objects()), first);
    assertEquals(List.of("b", "a"), List.copyOf(first.poses().keySet()));
    assertEquals(pose(3), first.poses().get("b"), "the latest pose of each member");
    assertEquals(Map.of("cube", view("a")), first.objects());
    assertFalse(m.moving());
    m.pose("a", pose(4));
    assertEquals(2, m.tick(7, 110).tick(), "ticks are numbered on");
    assertEquals(2, m.unwrittenTicks());
  }

  @Test
  void liveViewsAreAheadOfTheDurableOnesUntilADurableChange() {
    RoomMotion<Recorded> m = new RoomMotion<>(Recorded::new);
    m.move("cube", view("a"), 50);
    assertTrue(m.anyLive());
    assertEquals(view("a"), m.live("cube"));
    assertEquals(50, m.movedAt("cube"));
    Map<String, ObjectView> objects = new LinkedHashMap<>();
    objects.put("cube", view(null));
    objects.put("ball", view(null));
    m.overlayLive(objects);
    assertEquals(view("a"), objects.get("cube"));
    assertEquals(view(null), objects.get("ball"));
    m.forget("cube");
    assertFalse(m.anyLive());
    assertNull(m.live("cube"));
    assertEquals(0, m.movedAt("cube"));
    assertNull(m.tick(0, 60), "a move forgotten before its tick is not sent");
  }

  @Test
  void aLeavingMemberTakesItsPoseWithIt() {
    RoomMotion<Recorded> m = new RoomMotion<>(Recorded::new);
    m.pose("a", pose(1));
    assertEquals(pose(1), m.removeMember("a"));
    assertNull(m.tick(0, 10), "its pose not sent yet is not sent");
    assertNull(m.removeMember("a"));
  }

  @Test
  void recordedTicksWaitForTheirWriteInOrderAndDeletionForgetsEverything() {
    RoomMotion<Recorded> m = new RoomMotion<>(Recorded::new);
    m.pose("a", pose(1));
    Recorded one = m.tick(1, 10);
    m.pose("a", pose(2));
    Recorded two = m.tick(1, 20);
    List<Object> out = new ArrayList<>();
    m.drainUnwritten(out);
    assertEquals(2, out.size());
    assertSame(one, out.get(0));
    assertSame(two, out.get(1));
    assertEquals(0, m.unwrittenTicks());
    m.pose("a", pose(3));
    m.move("cube", view("a"), 30);
    m.tick(1, 30);
    m.pose("a", pose(4));
    m.clear();
    assertEquals(0, m.unwrittenTicks());
    assertFalse(m.moving());
    assertFalse(m.anyLive());
    assertNull(m.removeMember("a"));
  }
}
