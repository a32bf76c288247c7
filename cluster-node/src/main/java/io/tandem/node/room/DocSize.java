package io.tandem.node.room;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Decides whether an edit keeps a room's document within its byte budget without writing the whole
 * document out for every edit.
 *
 * <p>It keeps an upper bound of the current document's JSON size: an edit can grow the document by
 * at most the size of its values plus its path (escaped at worst, with the braces of objects it may
 * create), and a delete never grows it. While the bound stays within the budget no document is
 * written; when it passes the budget the document is measured exactly once and the bound starts
 * again from the truth. The bound belongs to the state at one epoch and seq (or one document
 * object), so it is never applied to another state. Owned by one entity: not thread-safe.
 */
final class DocSize {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** At worst a path character is written as {@code \\uXXXX}. */
  private static final int ESCAPED_CHAR_BYTES = 6;

  /** Quotes, colon, comma and the braces of an object a path segment may create. */
  private static final int SEGMENT_OVERHEAD = 6;

  private String measuredEpoch;
  private long measuredSeq = -1;
  private JsonNode measuredDoc;
  private long bound;

  /**
   * Whether the document after {@code edits} (given as {@code after}) would be larger than {@code
   * maxBytes}; when it is not, {@code after} at {@code afterSeq} becomes the measured document.
   */
  boolean exceeds(
      String epoch,
      long seq,
      JsonNode before,
      long afterSeq,
      JsonNode after,
      List<DocEdit> edits,
      long maxBytes) {
    long base;
    if (before == measuredDoc || (seq == measuredSeq && epoch.equals(measuredEpoch))) {
      base = bound;
    } else {
      base = exactSize(before);
    }
    long upper = base + growth(edits);
    if (upper > maxBytes) {
      upper = exactSize(after);
      if (upper > maxBytes) {
        // the state stays at `before`: keep what is known of it
        measuredEpoch = epoch;
        measuredSeq = seq;
        measuredDoc = before;
        bound = base;
        return true;
      }
    }
    measuredEpoch = epoch;
    measuredSeq = afterSeq;
    measuredDoc = after;
    bound = upper;
    return false;
  }

  /** At most how many bytes {@code edits} add to a document's JSON. */
  static long growth(List<DocEdit> edits) {
    long n = 0;
    for (DocEdit edit : edits) {
      if (edit.kind() == DocEdit.Kind.SET) {
        n += (long) edit.path().length() * ESCAPED_CHAR_BYTES;
        n += (long) (edit.path().chars().filter(c -> c == '.').count() + 1) * SEGMENT_OVERHEAD;
        n += exactSize(edit.value());
      }
    }
    return n;
  }

  /** The size of {@code node} written as compact JSON. */
  static long exactSize(JsonNode node) {
    Counting out = new Counting();
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      JSON.writeTree(g, node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.count;
  }

  private static final class Counting extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
