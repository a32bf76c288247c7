package io.tandem.node.fanout;

import io.tandem.protocol.CloseCode;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import scala.Tuple2;

/**
 * An {@link OutboxQueue} as the source of a Pekko HTTP WebSocket's outgoing messages: the stage's
 * thread is the queue's, a pull is the socket's demand, and the materialized {@link Outbox} hands
 * producers' calls over through one async callback.
 */
public final class OutboxStage
    extends GraphStageWithMaterializedValue<SourceShape<Message>, Outbox> {

  private final Outlet<Message> out = Outlet.create("Outbox.out");
  private final SourceShape<Message> shape = SourceShape.of(out);
  private final Encoding encoding;
  private final FrameCodec codec;
  private final OutboxQueue.Bounds bounds;
  private final OutboxQueue.Listener listener;
  private final AtomicReference<Pair<CloseCode, String>> closeSignal;
  private final OutboundStats stats;
  private final OutboxQueue.SentFrames sent;

  /**
   * @param closeSignal set to the close code (and reason) just before the stage completes, for the
   *     WebSocket layer that writes the close frame
   */
  public OutboxStage(
      Encoding encoding,
      FrameCodec codec,
      OutboxQueue.Bounds bounds,
      OutboxQueue.Listener listener,
      AtomicReference<Pair<CloseCode, String>> closeSignal,
      OutboundStats stats,
      OutboxQueue.SentFrames sent) {
    this.stats = stats;
    this.sent = sent;
    this.encoding = encoding;
    this.codec = codec;
    this.bounds = bounds;
    this.listener = listener;
    this.closeSignal = closeSignal;
  }

  @Override
  public SourceShape<Message> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, Outbox> createLogicAndMaterializedValue(Attributes attrs) {
    Logic logic = new Logic();
    return Tuple2.apply(logic, logic.queue.outbox(logic.callback::invoke));
  }

  private final class Logic extends TimerGraphStageLogic implements OutboxQueue.Port {
    final OutboxQueue queue =
        new OutboxQueue(encoding, codec, bounds, listener, closeSignal, stats, sent, this);
    final AsyncCallback<OutboxQueue.Offer> callback = createAsyncCallback(queue::offer);
    private Runnable tick;

    Logic() {
      super(shape);
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              queue.pull();
            }
          });
    }

    @Override
    public boolean ready() {
      return isAvailable(out);
    }

    @Override
    public void push(OutFrame frame) {
      push(out, frame.message(encoding, codec));
    }

    @Override
    public void complete() {
      completeStage();
    }

    @Override
    public void every(Duration period, Runnable tick) {
      this.tick = tick;
      scheduleAtFixedRate("tick", period, period);
    }

    @Override
    public void onTimer(Object key) {
      tick.run();
    }

    @Override
    public void postStop() {
      queue.stopped();
    }
  }
}
