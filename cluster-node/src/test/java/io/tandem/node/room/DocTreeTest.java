package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The document code without recursion: paths and values of any depth cost no stack. */
class DocTreeTest {

  private static String path(int keys) {
    return "a" + ".a".repeat(keys - 1);
  }

  @Test
  void aSetWithAHundredThousandKeysNeedsNoStack() {
    ObjectNode doc = DocTree.apply(DocTree.empty(), DocEdit.set(path(100_000), IntNode.valueOf(7)));
    JsonNode n = doc;
    int depth = 0;
    while (n.has("a")) {
      n = n.get("a");
      depth++;
    }
    assertEquals(100_000, depth);
    assertEquals(7, n.intValue());
    ObjectNode deleted = DocTree.apply(doc, DocEdit.del(path(100_000)));
    assertTrue(deleted != doc);
    assertSame(doc, DocTree.apply(doc, DocEdit.del(path(100_001))), "nothing there: unchanged");
  }

  @Test
  void setAndDeleteKeepSiblingsAndShareUntouchedParts() {
    ObjectNode doc = DocTree.apply(DocTree.empty(), DocEdit.set("x.y", IntNode.valueOf(1)));
    doc = DocTree.apply(doc, DocEdit.set("x.z", IntNode.valueOf(2)));
    doc = DocTree.apply(doc, DocEdit.set("w", IntNode.valueOf(3)));
    ObjectNode after = DocTree.apply(doc, DocEdit.del("x.y"));
    assertEquals("{\"x\":{\"z\":2},\"w\":3}", after.toString());
    assertEquals("{\"x\":{\"y\":1,\"z\":2},\"w\":3}", doc.toString(), "the old doc is unchanged");
    ObjectNode replaced = DocTree.apply(doc, DocEdit.set("w.v", IntNode.valueOf(4)));
    assertEquals("{\"x\":{\"y\":1,\"z\":2},\"w\":{\"v\":4}}", replaced.toString());
    assertSame(doc.get("x"), replaced.get("x"), "structural sharing");
  }

  @Test
  void depthCountsKeysAndValueNestingIteratively() {
    assertEquals(3, DocTree.depthOf(DocEdit.set("a.b.c", IntNode.valueOf(1))));
    assertEquals(2, DocTree.depthOf(DocEdit.del("a.b")));
    ObjectNode deep = JsonNodeFactory.instance.objectNode();
    ObjectNode at = deep;
    for (int i = 0; i < 50_000; i++) {
      at = at.putObject("k");
    }
    assertEquals(50_001, DocTree.depthOf(deep));
    assertEquals(50_002, DocTree.depthOf(DocEdit.set("a", deep)));
  }
}
