package io.tandem.node.fanout;

import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * What this node's entities sent to subscribed nodes: durable changes published, and the messages
 * that carried them to hubs (one per subscribed node per change, never one per client). Their ratio
 * is the number of nodes with subscribers. One per actor system; thread-safe.
 */
public final class FanoutStats implements Extension {
  private final LongAdder changes = new LongAdder();
  private final LongAdder hubMessages = new LongAdder();

  private static final ExtensionId<FanoutStats> ID =
      new ExtensionId<>() {
        @Override
        public FanoutStats createExtension(ActorSystem<?> system) {
          return new FanoutStats();
        }
      };

  public static FanoutStats get(ActorSystem<?> system) {
    return system.registerExtension(ID);
  }

  /** One durable change went out to {@code hubs} subscribed nodes. */
  public void published(int hubs) {
    changes.increment();
    hubMessages.add(hubs);
  }

  public long changes() {
    return changes.sum();
  }

  public long hubMessages() {
    return hubMessages.sum();
  }
}
