package io.tandem.node.ws;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The node's open connections: counted for status, told to drain when the node leaves. Thread-safe.
 */
public final class ConnectionRegistry {
  private final Set<ActorRef<ConnectionActor.Command>> open = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  void register(ActorRef<ConnectionActor.Command> connection) {
    open.add(connection);
    if (draining) {
      connection.tell(ConnectionActor.Drain.INSTANCE);
    }
  }

  void unregister(ActorRef<ConnectionActor.Command> connection) {
    open.remove(connection);
  }

  public int openConnections() {
    return open.size();
  }

  public boolean draining() {
    return draining;
  }

  /** Refuses new connections and tells every open one to say bye and close with 1012. */
  public void drainAll() {
    draining = true;
    open.forEach(c -> c.tell(ConnectionActor.Drain.INSTANCE));
  }
}
