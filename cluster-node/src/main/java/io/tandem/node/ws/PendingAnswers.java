package io.tandem.node.ws;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A connection's requests to session entities that wait for their answer, by tag, each with its
 * deadline. It replaces one ask per request (a temporary actor, a future and a scheduled timeout
 * each): the connection tags each request, matches the answer by its tag and sweeps the overdue
 * ones when its one timer fires. Not thread-safe: owned by its actor.
 *
 * @param <R> what the connection remembers of a request to answer its client
 */
final class PendingAnswers<R> {
  private final long timeoutNanos;
  // insertion order is deadline order: every request has the same timeout
  private final LinkedHashMap<Long, Waiting<R>> waiting = new LinkedHashMap<>();
  private long lastTag;

  private record Waiting<R>(R request, long deadlineNanos) {}

  PendingAnswers(java.time.Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /** Remembers a request sent at {@code nowNanos}; its tag goes with the request. */
  long add(R request, long nowNanos) {
    long tag = ++lastTag;
    waiting.put(tag, new Waiting<>(request, nowNanos + timeoutNanos));
    return tag;
  }

  /** The request {@code tag} answers, no longer waiting; null if it is not waiting (swept). */
  R take(long tag) {
    Waiting<R> w = waiting.remove(tag);
    return w == null ? null : w.request();
  }

  /** The requests whose deadline passed by {@code nowNanos}, oldest first, no longer waiting. */
  List<R> takeOverdue(long nowNanos) {
    List<R> overdue = new ArrayList<>();
    Iterator<Map.Entry<Long, Waiting<R>>> it = waiting.entrySet().iterator();
    while (it.hasNext()) {
      Waiting<R> w = it.next().getValue();
      if (w.deadlineNanos() - nowNanos > 0) {
        break;
      }
      overdue.add(w.request());
      it.remove();
    }
    return overdue;
  }

  /** Nanoseconds from {@code nowNanos} to the oldest request's deadline (0 if passed), or -1. */
  long nanosToNextDeadline(long nowNanos) {
    if (waiting.isEmpty()) {
      return -1;
    }
    return Math.max(0, waiting.values().iterator().next().deadlineNanos() - nowNanos);
  }

  int size() {
    return waiting.size();
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }
}
