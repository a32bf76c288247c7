package io.tandem.protocol;

import java.util.Objects;

/**
 * The outcome of decoding one frame: {@link Decoded} or {@link Rejected}. Decoding never throws.
 *
 * @param <F> the frame direction ({@link ClientFrame} or {@link ServerFrame})
 */
public sealed interface DecodeResult<F extends Frame>
    permits DecodeResult.Decoded, DecodeResult.Rejected {

  /**
   * A well-formed frame.
   *
   * @param frame the frame
   * @param <F> the frame direction
   */
  record Decoded<F extends Frame>(F frame) implements DecodeResult<F> {
    /** Checks the frame is present. */
    public Decoded {
      Objects.requireNonNull(frame, "frame");
    }
  }

  /**
   * A refused frame; answer with {@code error.toFrame()}.
   *
   * @param error why
   * @param <F> the frame direction
   */
  record Rejected<F extends Frame>(ProtocolError error) implements DecodeResult<F> {
    /** Checks the error is present. */
    public Rejected {
      Objects.requireNonNull(error, "error");
    }
  }
}
