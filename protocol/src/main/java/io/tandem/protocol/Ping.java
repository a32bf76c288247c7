package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code ping}, sent by either side; the other answers {@link Pong} with the same {@code t}.
 *
 * @param ref request reference, or null
 * @param t any finite number, kept as the JSON node it arrived as so it is echoed unchanged (1.5, 2
 *     and big integers alike); null when absent
 */
public record Ping(Long ref, JsonNode t) implements ClientFrame, ServerFrame {

  /**
   * Checks t is a number.
   *
   * @throws IllegalArgumentException when t is not a number
   */
  public Ping {
    t = Pong.checkT(t);
  }

  @Override
  public FrameType frameType() {
    return FrameType.PING;
  }
}
