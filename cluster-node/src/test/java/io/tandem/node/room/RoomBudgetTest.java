package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The room budget sizes an edited document from the one before without writing it out: the size it
 * gives is never below the real one, and past a limit it is the real one.
 */
class RoomBudgetTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String[] KEYS = {"a", "b", "view", "é", "tab\t", "x.y", "\u0001"};

  @Test
  void sizesAfterEditsAreNeverBelowTheRealOnesAndExactPastTheLimit() {
    Random random = new Random(42);
    for (int run = 0; run < 200; run++) {
      long limit = 200 + random.nextInt(4000);
      RoomBudget budget = new RoomBudget(1 << 20);
      ObjectNode doc = DocTree.empty();
      ObjectNode applied = doc;
      for (int step = 0; step < 60; step++) {
        List<DocEdit> edits = randomEdits(random);
        ObjectNode next = DocTree.apply(doc, edits);
        long real = RoomBudget.jsonSize(next);
        long sized = budget.docBytesAfter(doc, edits, next, limit);
        assertTrue(sized >= real, "sized " + sized + " below the real " + real + " after " + edits);
        if (sized > limit) {
          assertEquals(real, sized, "over the limit the size is the real one");
          continue; // refused: the document stays as it was
        }
        // the event applied again makes another instance of the same document
        ObjectNode again = DocTree.apply(applied, edits);
        budget.carry(applied, edits, again);
        long carried = budget.docBytes(again);
        assertTrue(carried >= real, "carried " + carried + " below the real " + real);
        assertEquals(real, budget.exactDocBytes(again));
        doc = next;
        applied = again;
      }
    }
  }

  @Test
  void aValueReplacedOverAndOverIsCountedExactlyOnceTheBoundReachesTheLimit() {
    RoomBudget budget = new RoomBudget(1 << 20);
    ObjectNode doc = DocTree.empty();
    long limit = 1_000;
    int exactCounts = 0;
    for (int i = 0; i < 500; i++) {
      List<DocEdit> edits = List.of(DocEdit.set("view.timeCursor", NODES.numberNode(i % 100)));
      ObjectNode next = DocTree.apply(doc, edits);
      long sized = budget.docBytesAfter(doc, edits, next, limit);
      long real = RoomBudget.jsonSize(next);
      assertTrue(sized >= real && sized <= limit, sized + " for a document of " + real);
      if (sized == real) {
        exactCounts++;
      }
      doc = next;
    }
    // the bound grows by at most ~40 bytes an edit: it is reset by an exact count now and then,
    // never refused, and not counted exactly on every edit
    assertTrue(exactCounts > 5 && exactCounts < 100, exactCounts + " exact counts in 500 edits");
  }

  private static List<DocEdit> randomEdits(Random random) {
    List<DocEdit> edits = new ArrayList<>();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      String path = KEYS[random.nextInt(KEYS.length)].replace(".", "");
      if (random.nextBoolean()) {
        path += "." + KEYS[random.nextInt(3)];
      }
      edits.add(
          random.nextInt(4) == 0 ? DocEdit.del(path) : DocEdit.set(path, randomValue(random, 2)));
    }
    return edits;
  }

  private static JsonNode randomValue(Random random, int depth) {
    switch (depth == 0 ? random.nextInt(3) : random.nextInt(5)) {
      case 0:
        return NODES.numberNode(random.nextDouble() * 1e6);
      case 1:
        return NODES.textNode("t" + "\"\\é\u0002".repeat(random.nextInt(4)));
      case 2:
        return NODES.booleanNode(random.nextBoolean());
      case 3:
        ObjectNode o = NODES.objectNode();
        for (int i = random.nextInt(3); i > 0; i--) {
          o.set(KEYS[random.nextInt(KEYS.length)], randomValue(random, depth - 1));
        }
        return o;
      default:
        var a = NODES.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          a.add(randomValue(random, depth - 1));
        }
        return a;
    }
  }

  /**
   * The members' cost kept between changes is the one counted from scratch, through presence
   * changes taken, proposals refused, joins and leaves (which force a recount), and a change of
   * another member than the one checked.
   */
  @Test
  void theMembersCostKeptBetweenChangesIsTheOneCountedFromScratch() {
    Random random = new Random(7);
    RoomBudget budget = new RoomBudget(1 << 20);
    java.util.Map<String, io.tandem.node.session.MemberInfo> members =
        new java.util.LinkedHashMap<>();
    long changes = 0;
    int next = 0;
    for (int step = 0; step < 5_000; step++) {
      int what = random.nextInt(10);
      if (members.isEmpty() || what == 0) {
        members.put("m" + next++, member("name" + next, presence(random)));
        changes++;
      } else if (what == 1 && members.size() > 1) {
        members.remove(members.keySet().iterator().next());
        changes++;
      } else {
        List<String> ids = new ArrayList<>(members.keySet());
        String id = ids.get(random.nextInt(ids.size()));
        var proposal = members.get(id).withPresence(presence(random));
        long proposed = budget.membersBytes(members, changes, id, proposal);
        var taken = new java.util.HashMap<>(members);
        taken.put(id, proposal);
        assertEquals(fromScratch(taken), proposed, "proposal at step " + step);
        if (what < 7) {
          // taken (what a room does when the presence fits its budget)
          members.put(id, proposal);
          budget.took(id, changes, changes + 1);
          changes++;
        } else if (what == 7 && ids.size() > 1) {
          // another member changed instead: the sum proposed for this one is not the members' now
          String other = ids.get((ids.indexOf(id) + 1) % ids.size());
          members.put(other, members.get(other).withPresence(presence(random)));
          budget.took(other, changes, changes + 1);
          changes++;
        }
        // else: refused, nothing changes
      }
      assertEquals(fromScratch(members), budget.membersBytes(members, changes, null, null));
    }
  }

  private static long fromScratch(java.util.Map<String, io.tandem.node.session.MemberInfo> m) {
    return new RoomBudget(1 << 20).membersBytes(m, 0, null, null);
  }

  private static io.tandem.node.session.MemberInfo member(String name, JsonNode presence) {
    return new io.tandem.node.session.MemberInfo(name, "bot", "editor", presence, null);
  }

  private static JsonNode presence(Random random) {
    ObjectNode p = NODES.objectNode();
    for (int i = random.nextInt(4); i > 0; i--) {
      p.put(KEYS[random.nextInt(KEYS.length)], "v".repeat(random.nextInt(40)));
    }
    return p;
  }
}
