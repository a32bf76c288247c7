package io.tandem.node.session;

/**
 * A place in a session's stream of durable changes: the last {@code seq} a client holds, in the
 * history {@code epoch} it got it from (protocol 5). A join that carries one resumes after it when
 * the epoch is still the session's; a join without one (null) gets a snapshot. {@code epoch} may be
 * null (a client that sent {@code since} alone): such a position never matches, so it gets a
 * snapshot too.
 */
public record StreamPosition(long seq, String epoch) {

  /**
   * The position a client's {@code since} and {@code epoch} name, or null without {@code since}.
   */
  public static StreamPosition of(Long since, String epoch) {
    return since == null ? null : new StreamPosition(since, epoch);
  }

  /** Whether this position is in the history {@code current} and not past its {@code lastSeq}. */
  public boolean resumesIn(String current, long lastSeq) {
    return current.equals(epoch) && seq <= lastSeq;
  }
}
