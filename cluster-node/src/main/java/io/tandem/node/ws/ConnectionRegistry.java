package io.tandem.node.ws;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The node's open connections: counted for status, told to drain when the node leaves, and counted
 * per principal and per source address for the connection caps. Thread-safe.
 */
public final class ConnectionRegistry {
  private final Set<ActorRef<ConnectionActor.Command>> open = ConcurrentHashMap.newKeySet();
  private final Map<ActorRef<ConnectionActor.Command>, String> principals =
      new ConcurrentHashMap<>();
  private final Map<String, Integer> perPrincipal = new ConcurrentHashMap<>();
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
  private volatile boolean draining;

  void register(ActorRef<ConnectionActor.Command> connection) {
    open.add(connection);
    if (draining) {
      connection.tell(ConnectionActor.Drain.INSTANCE);
    }
  }

  void unregister(ActorRef<ConnectionActor.Command> connection) {
    open.remove(connection);
    String principal = principals.remove(connection);
    if (principal != null) {
      perPrincipal.computeIfPresent(principal, (p, n) -> n > 1 ? n - 1 : null);
    }
  }

  /**
   * Counts an identified connection for its principal, unless that principal already has {@code
   * max} open: then false, and nothing is counted.
   */
  boolean identify(ActorRef<ConnectionActor.Command> connection, String principal, int max) {
    boolean[] admitted = {false};
    perPrincipal.compute(
        principal,
        (p, n) -> {
          int now = n == null ? 0 : n;
          if (now >= max) {
            return n;
          }
          admitted[0] = true;
          return now + 1;
        });
    if (admitted[0]) {
      principals.put(connection, principal);
    }
    return admitted[0];
  }

  /** Counts a connection from {@code address}, unless it already has {@code max} open. */
  boolean openFrom(String address, int max) {
    boolean[] admitted = {false};
    perAddress.compute(
        address,
        (a, n) -> {
          int now = n == null ? 0 : n;
          if (now >= max) {
            return n;
          }
          admitted[0] = true;
          return now + 1;
        });
    return admitted[0];
  }

  /** A connection counted by {@link #openFrom} ended. */
  void closedFrom(String address) {
    perAddress.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
  }

  public int openConnections() {
    return open.size();
  }

  public boolean draining() {
    return draining;
  }

  /**
   * Tells up to {@code n} open connections to say bye and close with 1012 so that their clients
   * reconnect elsewhere ({@link ConnectionBalancer}); they stop counting as open at once, so the
   * next round does not pick them again. Returns how many were told.
   */
  int shed(int n) {
    int told = 0;
    for (ActorRef<ConnectionActor.Command> c : open) {
      if (told == n) {
        break;
      }
      if (open.remove(c)) {
        c.tell(ConnectionActor.Drain.INSTANCE);
        told++;
      }
    }
    return told;
  }

  /**
   * Refuses new connections from now on (the upgrade gets 503) and leaves the open ones alone: a
   * leaving node does this while it hands its sessions off, before {@link #drainAll}.
   */
  public void refuseNew() {
    draining = true;
  }

  /** Refuses new connections and tells every open one to say bye and close with 1012. */
  public void drainAll() {
    draining = true;
    open.forEach(c -> c.tell(ConnectionActor.Drain.INSTANCE));
  }
}
