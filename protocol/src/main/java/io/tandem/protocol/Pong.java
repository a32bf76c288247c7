package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code pong}, the answer to a {@link Ping}, sent by either side.
 *
 * @param ref the ping's ref, or null
 * @param t the ping's {@code t}, unchanged; null when the ping had none
 * @param serverTime the server's time in epoch ms (set by the server), or null
 */
public record Pong(Long ref, JsonNode t, Long serverTime) implements ClientFrame, ServerFrame {

  /**
   * Checks t is a number.
   *
   * @throws IllegalArgumentException when t is not a number
   */
  public Pong {
    t = checkT(t);
  }

  /** The pong that answers a ping: same ref, same t. */
  public static Pong answer(Ping ping, Long serverTime) {
    return new Pong(ping.ref(), ping.t(), serverTime);
  }

  static JsonNode checkT(JsonNode t) {
    if (t == null || t.isNull() || t.isMissingNode()) {
      return null;
    }
    if (!t.isNumber()) {
      throw new IllegalArgumentException("t must be a number");
    }
    if ((t.isDouble() || t.isFloat()) && !Double.isFinite(t.doubleValue())) {
      throw new IllegalArgumentException("t must be a finite number");
    }
    return t;
  }

  @Override
  public FrameType frameType() {
    return FrameType.PONG;
  }
}
