package io.tandem.node.room;

import com.typesafe.config.Config;
import io.tandem.protocol.FrameCodec;

/**
 * The bounds that keep every room joinable and within its memory, read once from {@code
 * tandem.room}.
 *
 * @param maxDocDepth how deep the document may nest (keys of a path plus the nesting of its value);
 *     an edit that would go deeper gets {@code too_big}. At most {@link #MAX_DOC_DEPTH}, so that
 *     every accepted document can be encoded in a snapshot and decoded again by a client
 * @param maxStateBytes one budget for everything a room keeps that members put there: the document,
 *     the objects (ids, asset references, transforms), and the members' names and presence; a
 *     change, join or presence that would cross it is refused
 * @param maxMembersPerPrincipal most members one principal (token subject) may have in one room
 * @param editorSlots of a room's member slots, this many (at most a tenth of them) are kept for
 *     joins with a write role: a viewer join is refused once only these are left
 */
public record RoomLimits(
    int maxDocDepth, long maxStateBytes, int maxMembersPerPrincipal, int editorSlots) {

  /**
   * The deepest document any configuration allows: a snapshot wraps the document in a few levels
   * and a replay item in a few more, and the codec reads at most {@link
   * FrameCodec#MAX_NESTING_DEPTH} levels.
   */
  public static final int MAX_DOC_DEPTH = FrameCodec.MAX_NESTING_DEPTH - 100;

  /** The defaults of {@code tandem.conf}. */
  public static final RoomLimits DEFAULTS = new RoomLimits(64, 1L << 20, 20, 10);

  /**
   * Checks the bounds.
   *
   * @throws IllegalArgumentException when one is out of range
   */
  public RoomLimits {
    if (maxDocDepth < 1 || maxDocDepth > MAX_DOC_DEPTH) {
      throw new IllegalArgumentException(
          "tandem.room.max-doc-depth must be 1 to " + MAX_DOC_DEPTH + ", not " + maxDocDepth);
    }
    if (maxStateBytes < 1 || maxMembersPerPrincipal < 1 || editorSlots < 0) {
      throw new IllegalArgumentException("room limits must be positive");
    }
  }

  /** The places of a room of {@code maxMembers} kept for editors: at most a tenth of them. */
  public int keptForEditors(int maxMembers) {
    return Math.min(editorSlots, maxMembers / 10);
  }

  static RoomLimits fromConfig(Config room) {
    return new RoomLimits(
        room.getInt("max-doc-depth"),
        room.getBytes("max-state-bytes"),
        room.getInt("max-members-per-principal"),
        room.getInt("editor-slots"));
  }
}
