package io.tandem.node.fanout;

import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.ServerFrame;
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
  private final ServerFrame frame;
  private final long originMillis;
  private volatile Message json;
  private volatile Message cbor;
  private volatile int jsonSize;
  private volatile int cborSize;

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

  /** The frame as a WebSocket message in {@code encoding}, encoded on first use. */
  public Message message(Encoding encoding, FrameCodec codec) {
    if (encoding == Encoding.JSON) {
      Message m = json;
      if (m == null) {
        byte[] bytes = codec.encode(Encoding.JSON, frame);
        jsonSize = bytes.length;
        m = TextMessage.create(new String(bytes, StandardCharsets.UTF_8));
        json = m;
      }
      return m;
    }
    Message m = cbor;
    if (m == null) {
      byte[] bytes = codec.encode(Encoding.CBOR, frame);
      cborSize = bytes.length;
      m = BinaryMessage.create(ByteString.fromArrayUnsafe(bytes));
      cbor = m;
    }
    return m;
  }

  /** The encoded size in {@code encoding} (encodes on first use). */
  public int size(Encoding encoding, FrameCodec codec) {
    message(encoding, codec);
    return encoding == Encoding.JSON ? jsonSize : cborSize;
  }
}
