package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code object}: act on a shared 3D object of a room (protocol section 4.2). Answered by {@code
 * ok{seq}}, or {@code conflict} / {@code not_owner}.
 *
 * @param ref request reference, or null
 * @param session the room
 * @param action what to do
 * @param id the object id: a non-empty string of at most {@link #MAX_ID_LENGTH} chars
 * @param asset the asset reference (an asset id, {@link #ASSET_ID}), or null
 * @param transform the placement, or null
 * @param key the idempotency key, or null (see {@link IdempotencyKey})
 */
public record ObjectAction(
    Long ref,
    SessionId session,
    ObjectActionKind action,
    String id,
    String asset,
    Transform transform,
    String key)
    implements ClientFrame, SessionFrame {

  /** An object action without an idempotency key. */
  public ObjectAction(
      Long ref,
      SessionId session,
      ObjectActionKind action,
      String id,
      String asset,
      Transform transform) {
    this(ref, session, action, id, asset, transform, null);
  }

  /**
   * What an {@code asset} reference must be: an asset id as {@code PUT /v1/assets/{id}} takes it
   * ({@code [A-Za-z0-9._-]{1,128}}).
   */
  public static final java.util.regex.Pattern ASSET_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** The longest object id, in chars. */
  public static final int MAX_ID_LENGTH = 128;

  /**
   * Checks the invariants.
   *
   * @throws IllegalArgumentException when the id is empty or too long, or the key is invalid
   */
  public ObjectAction {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(id, "id");
    IdempotencyKey.check(key);
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("id must have 1 to " + MAX_ID_LENGTH + " chars");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.OBJECT;
  }
}
