package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DocSizeTest {

  @Test
  void theGrowthBoundIsNeverBelowTheRealGrowth() {
    Random random = new Random(7);
    ObjectNode doc = DocTree.empty();
    for (int i = 0; i < 2_000; i++) {
      String path = "a" + random.nextInt(5) + "." + "é\"" + random.nextInt(50);
      List<DocEdit> edits =
          random.nextInt(4) == 0
              ? List.of(DocEdit.del(path))
              : List.of(DocEdit.set(path, TextNode.valueOf("v".repeat(random.nextInt(40)))));
      ObjectNode after = DocTree.apply(doc, edits);
      long grew = DocSize.exactSize(after) - DocSize.exactSize(doc);
      assertTrue(grew <= DocSize.growth(edits), "edit " + edits + " grew by " + grew);
      doc = after;
    }
  }

  @Test
  void refusesExactlyWhatWouldPassTheBudget() {
    DocSize size = new DocSize();
    ObjectNode doc = DocTree.empty();
    long seq = 0;
    int accepted = 0;
    long max = 2_000;
    for (int i = 0; i < 500; i++) {
      List<DocEdit> edits = List.of(DocEdit.set("k" + i, IntNode.valueOf(i)));
      ObjectNode after = DocTree.apply(doc, edits);
      boolean exceeds = size.exceeds("e", seq, doc, seq + 1, after, edits, max);
      assertEquals(DocSize.exactSize(after) > max, exceeds, "edit " + i);
      if (!exceeds) {
        // a fresh document object for the same seq, as the entity's event handler makes
        doc = DocTree.apply(doc, edits);
        seq++;
        accepted++;
      }
    }
    assertTrue(accepted > 100 && accepted < 500, "the budget was reached: " + accepted);
    assertFalse(DocSize.exactSize(doc) > max);
  }
}
