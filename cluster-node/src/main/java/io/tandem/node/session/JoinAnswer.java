package io.tandem.node.session;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * How every session entity answers an admitted join (protocol 4.1 and 5): with a position in the
 * current epoch, the missed changes from memory ({@link Subscriber.Resumed}) or, when memory no
 * longer holds them all, a pointer to the journal ({@link Subscriber.ResumeFromJournal}); otherwise
 * a full snapshot ({@link Subscriber.Admitted}).
 */
public final class JoinAnswer {
  private JoinAnswer() {}

  /**
   * @param state the session's durable state: its epoch, seq, the changes memory still holds, and
   *     where the journal holds the older ones
   * @param entity the answering entity (its hubs watch it)
   */
  public static Subscriber.Message answer(
      SessionCommand.Join join,
      DurableSession state,
      String persistenceId,
      Map<String, MemberInfo> members,
      Supplier<SessionView> snapshot,
      ActorRef<?> entity) {
    String epoch = state.epoch();
    StreamPosition from = join.from();
    if (from != null && from.resumesIn(epoch, state.seq())) {
      List<? extends SessionUpdate> missed = state.changesAfter(from.seq());
      if (missed != null) {
        return new Subscriber.Resumed(
            join.connectionId(),
            join.ref(),
            join.memberId(),
            from.seq(),
            epoch,
            members,
            List.copyOf(missed),
            entity);
      }
      return new Subscriber.ResumeFromJournal(
          join.connectionId(),
          join.ref(),
          join.memberId(),
          persistenceId,
          from.seq(),
          state.seq(),
          epoch,
          members,
          entity,
          state.journalFrom(from.seq()));
    }
    return new Subscriber.Admitted(
        join.connectionId(), join.ref(), join.memberId(), snapshot.get(), entity);
  }
}
