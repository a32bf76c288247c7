package io.tandem.node.fanout;

import io.tandem.protocol.Encoding;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.ServerFrame;
import io.tandem.protocol.SessionFrame;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.util.ByteString;

/**
 * A server frame with its WebSocket message, encoded at most once per encoding however many
 * connections it goes to. Safe to share between connections: encoding twice under a race yields
 * equal messages, and messages are immutable.
 */
public final class OutFrame {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OutFrame.class);

  private final ServerFrame frame;
  private final long originMillis;
  private volatile Message json;
  private volatile Message cbor;
  private volatile byte[] jsonBytes;
  private volatile byte[] cborBytes;

  public OutFrame(ServerFrame frame) {
    this(frame, 0);
  }

  /**
   * @param originMillis when the change it carries happened (epoch millis, the entity's clock), for
   *     the delivery latency metric; 0 when it carries none
   */
  public OutFrame(ServerFrame frame, long originMillis) {
    this.frame = frame;
    this.originMillis = originMillis;
  }

  public long originMillis() {
    return originMillis;
  }

  public ServerFrame frame() {
    return frame;
  }

  /**
   * The frame as a Pekko WebSocket message in {@code encoding}, made from {@link #bytes} on first
   * use. A frame that cannot be encoded (a state the codec's limits refuse) becomes an {@code
   * error{code:"internal"}} with its ref and session, and is logged: the connection stays open and
   * its member is never locked out by a close.
   */
  public Message message(Encoding encoding, FrameCodec codec) {
    if (encoding == Encoding.JSON) {
      Message m = json;
      if (m == null) {
        m = TextMessage.create(new String(bytes(encoding, codec), StandardCharsets.UTF_8));
        json = m;
      }
      return m;
    }
    Message m = cbor;
    if (m == null) {
      m = BinaryMessage.create(ByteString.fromArrayUnsafe(bytes(encoding, codec)));
      cbor = m;
    }
    return m;
  }

  /**
   * The frame's encoded bytes in {@code encoding} (UTF-8 JSON or CBOR), encoded once on first use
   * and kept: the one encoding behind {@link #message}, {@link #size} and the Netty transport's
   * writes. The array is shared: never change it.
   */
  public byte[] bytes(Encoding encoding, FrameCodec codec) {
    if (encoding == Encoding.JSON) {
      byte[] b = jsonBytes;
      if (b == null) {
        b = encodeOrError(Encoding.JSON, codec);
        jsonBytes = b;
      }
      return b;
    }
    byte[] b = cborBytes;
    if (b == null) {
      b = encodeOrError(Encoding.CBOR, codec);
      cborBytes = b;
    }
    return b;
  }

  private byte[] encodeOrError(Encoding encoding, FrameCodec codec) {
    try {
      return codec.encode(encoding, frame);
    } catch (RuntimeException | StackOverflowError e) {
      LOG.error(
          "cannot encode a {} frame of {} ({}): sent error internal instead",
          frame.type(),
          sessionOf(frame),
          e.toString());
      return codec.encode(
          encoding,
          new ErrorFrame(
              frame.ref(),
              sessionOf(frame),
              ErrorCode.INTERNAL,
              "a " + frame.type() + " frame could not be encoded; the node logged it"));
    }
  }

  private static String sessionOf(ServerFrame frame) {
    return frame instanceof SessionFrame sf ? sf.session().toString() : null;
  }

  /** The encoded size in {@code encoding} (encodes on first use). */
  public int size(Encoding encoding, FrameCodec codec) {
    return bytes(encoding, codec).length;
  }
}
